import type { Aedes, Client, Subscription } from 'aedes';
import { ROOT, topics } from '@shopwatch/protocols';
import type { Directory } from '../directory';
import type { Logger } from '../log';
import type { Repository } from '../storage/repository';
import { connectionOf } from './connections';

interface CatchUpDeps {
  repo: Repository;
  dir: Directory;
  log: Logger;
}

/** Rounds of "read storage again because live events were held back" before giving up. */
const MAX_ROUNDS = 50;

/**
 * Catch-up: when a device subscribes to a zone alert topic, the hub sends that device alone,
 * on that topic, every event of the subscribed zones it has not receipted, oldest first, each
 * with `replay: true`. Storage is the only source: alert events never enter the broker's session
 * queues (they go out at QoS 0, see forwarding.ts), so this also works after the hub itself
 * restarted, and a persistent session gets nothing twice or out of order.
 *
 * While it runs, live events for this connection are held back by the forward hook; they are
 * already stored, so the next round reads them. The forward hook de-duplicates by seq, so an
 * event is sent at most once per connection whichever path it takes.
 */
export async function catchUp(client: Client, subs: Subscription[], deps: CatchUpDeps) {
  const conn = connectionOf(client);
  if (!conn) return;
  conn.catchingUp++;
  let sent = 0;
  try {
    const scheme = await deps.dir.scheme(conn.device.scheme);
    const allZones = scheme.zones.map((z) => z.id);
    const zones = new Set<string>();
    for (const s of subs) {
      if ((s.qos as number) === 128) continue;
      const lv = s.topic.split('/');
      if (lv.length !== 5 || lv[0] !== ROOT || lv[2] !== 'zones' || lv[4] !== 'alerts') continue;
      for (const z of lv[3] === '+' ? allZones : [lv[3]!]) zones.add(z);
    }
    if (!zones.size) return;

    const since = new Date(Date.now() - scheme.settings.catchUpHours * 3600_000).toISOString();
    for (let round = 0; round < MAX_ROUNDS && !client.closed; round++) {
      conn.heldBack = false;
      const events = await deps.repo.unconfirmedEvents(conn.device, [...zones], since);
      for (const e of events) {
        if (conn.sent.has(e.seq)) continue;
        // A scheme-wide (escalated) event from another zone arrives on a topic the device subscribed to.
        const own = conn.principal.zone && zones.has(conn.principal.zone) ? conn.principal.zone : [...zones][0]!;
        const topic = topics.zoneAlerts(scheme.id, zones.has(e.zone) ? e.zone : own);
        const payload = Buffer.from(`{"replay":true,${e.payload.slice(1)}`);
        // QoS 0: a replay that is lost with the connection is replayed again from storage next time.
        client.publish({ cmd: 'publish', topic, payload, qos: 0, retain: false, dup: false }, () => {});
        sent++;
      }
      if (!conn.heldBack) break;
    }
  } finally {
    conn.catchingUp--;
  }
  if (sent) deps.log.info({ deviceId: conn.device.id, events: sent }, 'caught up a device');
}

/**
 * Runs catch-up when a device subscribes, and when a persistent session comes back with its
 * subscriptions restored by the broker (such a client does not subscribe again).
 */
export function startCatchUp(aedes: Aedes, deps: CatchUpDeps): () => void {
  const run = (client: Client, subs: Subscription[]) =>
    catchUp(client, subs, deps).catch((err) => deps.log.error({ err }, 'catch-up failed'));
  const onSubscribe = (subs: Subscription[], client: Client) => void run(client, subs);
  const onReady = (client: Client) => {
    if (client.clean) return;
    // aedes keeps the restored subscriptions on the client (not in its typings).
    const subs = (client as unknown as { subscriptions?: Record<string, { qos: number }> }).subscriptions ?? {};
    const restored = Object.entries(subs).map(([topic, s]) => ({ topic, qos: s.qos }) as Subscription);
    if (restored.length) void run(client, restored);
  };
  aedes.on('subscribe', onSubscribe);
  aedes.on('clientReady', onReady);
  return () => {
    aedes.off('subscribe', onSubscribe);
    aedes.off('clientReady', onReady);
  };
}
