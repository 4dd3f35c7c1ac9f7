import type { Client } from 'aedes';
import { topics } from '@shopwatch/protocols';
import type { AlertHistory } from '../alerts/history';
import type { SchemeLookup } from '../directory-interface';
import type { Logger } from '../log';
import { type Connection, connectionOf } from './connections';

interface CatchUpDeps {
  history: AlertHistory;
  dir: SchemeLookup;
  log: Logger;
}

/** Rounds of "read storage again because live events were held back" before giving up. */
const MAX_ROUNDS = 50;

/**
 * Catch-up: when a device is granted a zone alert topic, the hub sends that device alone, on
 * that topic, every event of its zones it has not receipted, oldest first, each with
 * `replay: true`. Storage is the only source: alert events never enter the broker's session
 * queues (they go out at QoS 0, see fanout.ts), so this also works after the hub restarted, and
 * a persistent session gets nothing twice or out of order.
 *
 * Live events for the connection are held back by the forward hook from the moment the filter
 * is granted until the catch-up has finished — so none can overtake an older replay. They are
 * already stored, so the catch-up reads them in its next round. A persistent session whose
 * subscriptions the broker restores at CONNECT is granted them again then, and caught up once
 * its CONNACK has gone out.
 *
 * The first read waits until the broker routes the filter: aedes grants a filter, then stores a
 * persistent session's subscription (a round trip with a networked persistence), and only then
 * adds it to its router. An event stored after a read made before that, and published before
 * it, would reach neither path (the catch-up missed it, the router did not know the filter).
 */
export class CatchUp {
  /** Connections whose CONNACK went out: a filter granted before it was restored at CONNECT. */
  private connacked = new WeakSet<Client>();
  /** Catch-ups waiting for their filter to be routed, by connection. */
  private unrouted = new WeakMap<Client, { filter: string; start: () => void }[]>();

  constructor(private deps: CatchUpDeps) {}

  /** A zone filter was granted: hold live events and schedule a catch-up of these zones. */
  request(client: Client, filter: string, zones: string[]): void {
    const conn = connectionOf(client);
    if (!conn || !zones.length) return;
    for (const z of zones) conn.zones.add(z);
    conn.catchingUp++; // live events wait from now on
    // One catch-up at a time per connection, so replays never interleave out of order. A run
    // takes only requests already started: one whose filter is not routed yet waits its turn.
    const start = () => this.enqueue(client, conn);
    if (!this.connacked.has(client)) {
      // Restored at CONNECT: routed before the CONNACK, and nothing may precede the CONNACK.
      client.once('connected', start);
      return;
    }
    const waiting = this.unrouted.get(client) ?? [];
    waiting.push({ filter, start });
    this.unrouted.set(client, waiting);
  }

  /**
   * Catches a connection up again on the zones it is routed for already — after the cluster's
   * router (Redis) was away, events published meanwhile never reached it.
   */
  again(client: Client): void {
    const conn = connectionOf(client);
    if (!conn?.zones.size || !this.connacked.has(client)) return;
    conn.catchingUp++;
    this.enqueue(client, conn);
  }

  /** Queues a run behind this connection's earlier ones (its live events are held meanwhile). */
  private enqueue(client: Client, conn: Connection): void {
    conn.catchUpRequests++;
    conn.catchUpChain = conn.catchUpChain.then(() => this.run(client, conn));
  }

  /** The CONNACK went out (aedes 'connackSent'): later grants come from SUBSCRIBE packets. */
  connackSent(client: Client): void {
    this.connacked.add(client);
  }

  /**
   * The broker routes these filters now (aedes emits 'subscribe' once every filter of a SUBSCRIBE
   * is in its router and the SUBACK went out): their catch-ups may read storage.
   */
  routed(client: Client, filters: string[]): void {
    const waiting = this.unrouted.get(client);
    if (!waiting) return;
    const ready = waiting.filter((w) => filters.includes(w.filter));
    const left = waiting.filter((w) => !filters.includes(w.filter));
    if (left.length) this.unrouted.set(client, left);
    else this.unrouted.delete(client);
    for (const w of ready) w.start();
  }

  private async run(client: Client, conn: Connection): Promise<void> {
    const absorbed = conn.catchUpRequests;
    if (!absorbed) return; // an earlier run took these requests
    conn.catchUpRequests = 0;
    let sent = 0;
    try {
      sent = await this.replay(client, conn);
    } catch (err) {
      this.deps.log.error({ err, deviceId: conn.device.id }, 'catch-up failed');
    } finally {
      conn.catchingUp -= absorbed;
    }
    if (sent) this.deps.log.info({ deviceId: conn.device.id, events: sent }, 'caught up a device');
  }

  private async replay(client: Client, conn: Connection): Promise<number> {
    const scheme = await this.deps.dir.scheme(conn.device.scheme);
    const zones = conn.zones;
    const since = new Date(Date.now() - scheme.settings.catchUpHours * 3600_000).toISOString();
    let sent = 0;
    for (let round = 0; round < MAX_ROUNDS && !client.closed; round++) {
      conn.heldBack = false;
      const events = await this.deps.history.unconfirmedEvents(conn.device, [...zones], since);
      for (const e of events) {
        if (conn.sent.has(e.seq)) continue;
        // A scheme-wide (escalated) event of another zone goes on a topic the device subscribed to.
        const own = conn.principal.zone && zones.has(conn.principal.zone) ? conn.principal.zone : [...zones][0]!;
        const topic = topics.zoneAlerts(scheme.id, zones.has(e.zone) ? e.zone : own);
        const payload = Buffer.from(`{"replay":true,${e.payload.slice(1)}`);
        // QoS 0: a replay lost with the connection is replayed from storage again next time.
        // The forward hook marks it sent (by seq) as it goes out.
        client.publish({ cmd: 'publish', topic, payload, qos: 0, retain: false, dup: false }, () => {});
        sent++;
      }
      if (!conn.heldBack) return sent;
    }
    // Live events kept arriving for every round: those held last wait for the next connection.
    if (conn.heldBack && !client.closed) {
      this.deps.log.warn({ deviceId: conn.device.id, rounds: MAX_ROUNDS }, 'catch-up gave up');
    }
    return sent;
  }
}
