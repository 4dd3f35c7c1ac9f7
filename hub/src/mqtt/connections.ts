import type { Client } from 'aedes';
import type { Principal } from '../auth/principal';
import type { DeviceRecord } from '../storage/repository';

/** What the hub knows about one authenticated MQTT connection. */
export interface Connection {
  device: DeviceRecord;
  principal: Principal;
  /**
   * Event seqs already sent on this connection, so overlapping subscriptions and catch-up never
   * repeat one. Seqs come from storage, not from this process, so this also holds when the same
   * event reaches the connection through another hub node (aedes joined through Redis).
   */
  sent: Set<number>;
  /** Newest event seq sent per alert: a receipt without `eventSeq` confirms up to this. */
  sentByAlert: Map<string, number>;
  /** Catch-ups requested or running on this connection; live alert events wait for them (forwarding.ts). */
  catchingUp: number;
  /**
   * Requests whose filter the broker routes, not yet taken by a catch-up run; and the runs,
   * chained so they never interleave.
   */
  catchUpRequests: number;
  catchUpChain: Promise<void>;
  /** Zones whose alert topics this connection was granted. */
  zones: Set<string>;
  /** Set when a live event was held back during a catch-up, so the catch-up reads storage again. */
  heldBack: boolean;
  /** When the device was last told it is over its packet rate (told at most once a second). */
  rateNoticeAt: number;
}

const MAX_REMEMBERED = 10_000;
const conns = new WeakMap<Client, Connection>();

export const connectionOf = (client: Client | null | undefined) => (client ? conns.get(client) : undefined);

export function attach(client: Client, device: DeviceRecord, principal: Principal): Connection {
  const c: Connection = {
    device,
    principal,
    sent: new Set(),
    sentByAlert: new Map(),
    catchingUp: 0,
    heldBack: false,
    rateNoticeAt: 0,
    catchUpRequests: 0,
    catchUpChain: Promise.resolve(),
    zones: new Set(),
  };
  conns.set(client, c);
  return c;
}

/** Marks an event as sent on this connection; false when it already was. */
export function markSent(c: Connection, seq: number, alertId: string): boolean {
  if (c.sent.has(seq)) return false;
  c.sent.add(seq);
  if (c.sent.size > MAX_REMEMBERED) c.sent.delete(c.sent.values().next().value!);
  if ((c.sentByAlert.get(alertId) ?? 0) < seq) c.sentByAlert.set(alertId, seq);
  return true;
}
