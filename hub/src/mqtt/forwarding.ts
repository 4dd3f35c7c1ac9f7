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

/** Memo of a pure function of the payload bytes (not a registry: a miss just parses). */
const tags = new WeakMap<object, EventTag | null>();

/**
 * The seq and alert id of an alert-event packet, read from its payload. aedes copies the packet
 * for every subscriber but shares the payload, so the parse runs once per event and node; a
 * packet that came through another node (Redis) is parsed there from its own bytes.
 */
export function eventOf(packet: ForwardPacket): EventTag | null {
  const key = typeof packet.payload === 'string' ? null : packet.payload;
  const hit = key ? tags.get(key) : undefined;
  if (hit !== undefined) return hit;
  let tag: EventTag | null = null;
  try {
    const j = JSON.parse(packet.payload.toString());
    if (Number.isSafeInteger(j?.seq) && typeof j?.alert?.id === 'string') {
      tag = { seq: j.seq, alertId: j.alert.id, replay: j.replay === true };
    }
  } catch {
    tag = null;
  }
  if (key) tags.set(key, tag);
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
