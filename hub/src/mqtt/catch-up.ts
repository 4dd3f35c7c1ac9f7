import type { Client, Subscription } from 'aedes';
import { ROOT, topics } from '@shopwatch/protocols';
import type { Directory } from '../directory';
import type { Logger } from '../log';
import type { Repository } from '../storage/repository';
import { connectionOf, markSent } from './connections';

/**
 * Catch-up: when a device subscribes to a zone alert topic, the hub sends that device alone,
 * on that topic, every event of the subscribed zones it has not receipted, oldest first.
 * Storage is the source of truth, so this also works after the hub itself restarted.
 */
export async function catchUp(client: Client, subs: Subscription[], deps: { repo: Repository; dir: Directory; log: Logger }) {
  const conn = connectionOf(client);
  if (!conn) return;
  const scheme = await deps.dir.scheme(conn.device.scheme);
  const allZones = scheme.zones.map((z) => z.id);
  const zones = new Set<string>();
  let qos: 0 | 1 = 0;
  for (const s of subs) {
    if ((s.qos as number) === 128) continue;
    const lv = s.topic.split('/');
    if (lv.length !== 5 || lv[0] !== ROOT || lv[2] !== 'zones' || lv[4] !== 'alerts') continue;
    for (const z of lv[3] === '+' ? allZones : [lv[3]!]) zones.add(z);
    qos = Math.max(qos, s.qos) as 0 | 1;
  }
  if (!zones.size) return;

  const since = new Date(Date.now() - scheme.settings.catchUpHours * 3600_000).toISOString();
  const events = await deps.repo.unconfirmedEvents(conn.device, [...zones], since);
  let sent = 0;
  for (const e of events) {
    if (!markSent(conn, e.seq, e.alertId)) continue;
    // A scheme-wide (escalated) event from another zone arrives on a topic the device subscribed to.
    const zone = zones.has(e.zone) ? e.zone : (conn.principal.zone && zones.has(conn.principal.zone) ? conn.principal.zone : [...zones][0]!);
    const payload = Buffer.from(`{"replay":true,${e.payload.slice(1)}`);
    client.publish({ cmd: 'publish', topic: topics.zoneAlerts(scheme.id, zone), payload, qos, retain: false, dup: false }, () => {});
    sent++;
  }
  if (sent) deps.log.info({ deviceId: conn.device.id, events: sent }, 'caught up a device');
}
