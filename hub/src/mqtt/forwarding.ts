import type { Client } from 'aedes';
import { TOPICS, type TopicKind, parseTopic } from '@shopwatch/protocols';
import { connectionOf, markSent } from './connections';

/** What the forward hook needs of a packet; aedes passes its own Packet objects. */
export interface ForwardPacket {
  topic: string;
  payload: Buffer | string;
  qos: number;
  /** Set by aedes when a client (not the hub) published the packet. */
  clientId?: string;
}

interface EventTag {
  seq: number;
  alertId: string;
  replay: boolean;
}

const TAG = Symbol('shopwatch.alertEvent');
type Tagged = ForwardPacket & { [TAG]?: EventTag | null };

/**
 * The seq and alert id of an alert-event packet, parsed once per packet and cached on the
 * packet object: one packet is offered to every subscriber, and a packet that came through
 * another node (Redis) is a new object that carries its own payload, so nothing depends on
 * Buffer identity.
 */
export function eventOf(packet: ForwardPacket): EventTag | null {
  const p = packet as Tagged;
  if (p[TAG] !== undefined) return p[TAG];
  let tag: EventTag | null = null;
  try {
    const j = JSON.parse(typeof p.payload === 'string' ? p.payload : p.payload.toString('utf8'));
    if (Number.isSafeInteger(j?.seq) && typeof j?.alert?.id === 'string') tag = { seq: j.seq, alertId: j.alert.id, replay: j.replay === true };
  } catch {
    tag = null;
  }
  p[TAG] = tag;
  return tag;
}

const kinds = new Map<string, TopicKind | null>();

/** Topic → kind, memoised (a bounded cache: topics come from the hub, not from devices). */
function kindOf(topic: string): TopicKind | null {
  let k = kinds.get(topic);
  if (k === undefined) {
    k = parseTopic(topic)?.kind ?? null;
    if (kinds.size > 10_000) kinds.clear();
    kinds.set(topic, k);
  }
  return k;
}

/**
 * aedes' authorizeForward: may this packet go to this subscriber?
 *
 * - Only what the hub itself published is ever forwarded. aedes stamps `clientId` on what a
 *   client published; those packets are dropped before they are relayed (see Broker), and this
 *   is the second line: a device can never write a hub-only topic, whatever its ACL said.
 * - Alert events go out at QoS 0 and are de-duplicated per connection by event seq (a device
 *   subscribed to several zone topics gets an escalated event once; a replay and a live copy
 *   of the same event never both arrive). While a catch-up runs on the connection, live events
 *   are held back and the catch-up picks them up from storage, so they arrive in seq order.
 * - An alert event at QoS 1 can only come from a broker session queue: storage is the only
 *   source of catch-up, so it is dropped. (aedes clears such a drop by its message id, which
 *   the queued copy has; dropping a *live* QoS 1 copy for a persistent session would make
 *   aedes clear the wrong queue entry and disconnect the client — issue 18.4.)
 */
export function authorizeForward(client: Client, packet: ForwardPacket): ForwardPacket | null {
  if (packet.clientId !== undefined) return null;
  const kind = kindOf(packet.topic);
  if (kind === null || TOPICS[kind].direction !== 'out') return null;
  if (kind !== 'zoneAlerts') return packet;
  if (packet.qos > 0) return null;
  const conn = connectionOf(client);
  const ev = eventOf(packet);
  if (!conn || !ev) return null;
  if (!ev.replay && conn.catchingUp > 0) {
    conn.heldBack = true;
    return null;
  }
  return markSent(conn, ev.seq, ev.alertId) ? packet : null;
}
