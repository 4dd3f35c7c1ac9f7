import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AlertEvent, AlertWithDeliveries, topics } from '@shopwatch/protocols';
import { fleetProvisioning, fleetSecret } from './support/fleet';
import { login, startTestHub } from './support/hub';
import { TestDevice } from './support/mqtt';
import type { AlertListing } from '../src/alerts/listing';

/** These tests are about the SQLite listing (a single-machine hub), whose counters they read. */
const sqliteListing = (h: { services: { listing: unknown } }) => h.services.listing as AlertListing;

type Hub = Awaited<ReturnType<typeof startTestHub>>;

/** The listing's raw bytes and the alerts in them. */
async function list(hub: Hub, token: string, query = '') {
  const res = await fetch(`${hub.http}/api/alerts${query}`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  const bytes = Buffer.from(await res.arrayBuffer());
  return { bytes, alerts: AlertWithDeliveries.array().parse(JSON.parse(bytes.toString('utf8'))) };
}

describe('GET /api/alerts sent again while nothing changed', () => {
  let hub: Hub;
  let boots: TestDevice;
  let coop: TestDevice;
  let token: string;
  const auth = () => ({ authorization: `Bearer ${token}`, 'content-type': 'application/json' });
  /** The alert as the single-alert route (built on the event loop, never cached) shows it now. */
  const fresh = async (id: string) =>
    AlertWithDeliveries.parse(await (await fetch(`${hub.http}/api/alerts/${id}`, { headers: auth() })).json());

  beforeAll(async () => {
    hub = await startTestHub();
    boots = await TestDevice.connect(hub.mqttPort, 'radio-boots', 'radio-boots-secret-for-tests');
    coop = await TestDevice.connect(hub.mqttPort, 'radio-coop', 'radio-coop-secret-for-tests');
    await coop.subscribe(topics.zoneAlerts('town', 'north'));
    token = await login(hub.http, 'operator', 'operator-password');
  });
  afterAll(async () => {
    await Promise.all([boots?.end(), coop?.end()]);
    await hub?.stop();
  });

  it('sends the same bytes without building the page again, and every change in the very next listing', async () => {
    const stats = sqliteListing(hub).stats;
    await boots.publish(topics.alertRaise('town'), { type: 'shoplifting', severity: 'low', clientRef: 'pc-1' });
    const ev = (await coop.waitFor((m) => m.json?.alert?.clientRef === 'pc-1')).json as AlertEvent;
    const id = ev.alert.id;

    // The hub also commits on its own (devices' last-seen times, a second after they are heard
    // from): two listings with no commit between them are what is asked for, so try a few pairs.
    await expect
      .poll(
        async () => {
          const first = await list(hub, token);
          const [built, reused] = [stats.built, stats.reused];
          const again = await list(hub, token);
          const rebuilt = stats.built !== built;
          // Either sent again as it was, byte for byte, or (a commit came between) built afresh.
          expect(rebuilt || (again.bytes.equals(first.bytes) && stats.reused === reused + 1)).toBe(true);
          return rebuilt ? 'built again' : 'sent again';
        },
        { timeout: 10_000, interval: 200 },
      )
      .toBe('sent again');

    /** After a change the route built on the event loop shows, the next listing shows it too. */
    const listedNow = async () => {
      const one = await fresh(id);
      const page = await list(hub, token);
      expect(page.alerts.find((a) => a.id === id)).toEqual(one);
      return one;
    };

    // A raise: acknowledged to the radio, so committed before the listing is asked for.
    await boots.publish(topics.alertRaise('town'), { type: 'violence', severity: 'high', clientRef: 'pc-2' });
    expect((await list(hub, token)).alerts.map((a) => a.clientRef)).toContain('pc-2');

    // A receipt: waited for on the single-alert route, then the very next listing must have it.
    await coop.publish(topics.alertReceipt('town', id), { eventSeq: ev.seq });
    await expect.poll(async () => (await fresh(id)).deliveries.length, { timeout: 5000 }).toBe(1);
    expect((await listedNow()).undelivered).not.toContain('radio-coop');

    const ack = await fetch(`${hub.http}/api/alerts/${id}/ack`, {
      method: 'POST',
      headers: auth(),
      body: JSON.stringify({ status: 'attending' }),
    });
    expect(ack.status).toBe(200);
    expect((await listedNow()).timeline.map((e) => e.kind)).toEqual(['raised', 'acknowledged']);

    const close = await fetch(`${hub.http}/api/alerts/${id}/close`, {
      method: 'POST',
      headers: auth(),
      body: JSON.stringify({ outcome: 'left-area' }),
    });
    expect(close.status).toBe(200);
    expect(await listedNow()).toMatchObject({ status: 'closed', outcome: 'left-area' });
    // And the closed alert is listed under its new status, not its old one.
    expect((await list(hub, token, '?status=active')).alerts.map((a) => a.id)).not.toContain(id);
  });

  it('never sends one person the page held for another', async () => {
    await boots.publish(topics.alertRaise('town'), { type: 'shoplifting', severity: 'low', clientRef: 'pc-north' });
    const operator = await list(hub, token);
    expect(operator.alerts.map((a) => a.clientRef)).toContain('pc-north');
    // Tesco's member sees zone south only: nothing of the operator's cached page.
    const tesco = await list(hub, await login(hub.http, 'tesco-staff', 'tesco-password'));
    expect(tesco.alerts.map((a) => a.zone).filter((z) => z !== 'south')).toEqual([]);
  });
});

describe('GET /api/alerts asked for by several consoles at once', () => {
  it('builds one page for identical listings waiting together, and another for another filter', async () => {
    // 1,000 radios and 150 alerts: a page takes the worker long enough for the others to queue.
    const hub = await startTestHub({ seed: fleetProvisioning(1000), raisesPerMinute: 1_000_000 });
    const raiser = await TestDevice.connect(hub.mqttPort, 'raiser-z0', fleetSecret('raiser-z0'));
    try {
      await Promise.all(
        Array.from({ length: 150 }, (_, i) =>
          raiser.publish(topics.alertRaise('fleet'), { type: 'shoplifting', severity: 'low', clientRef: `co-${i}` }),
        ),
      );
      const token = await login(hub.http, 'operator', 'fleet-operator-password');
      const stats = sqliteListing(hub).stats;
      const asked = 8;
      const pages = await Promise.all([
        ...Array.from({ length: asked }, () => list(hub, token, '?limit=500')),
        list(hub, token, '?limit=500&zone=z1'),
      ]);
      const zoneZ1 = pages.pop()!;
      for (const p of pages) expect(p.bytes.equals(pages[0]!.bytes)).toBe(true);
      expect(pages[0]!.alerts).toHaveLength(150);
      expect(zoneZ1.alerts).toEqual([]); // every alert was raised in z0
      expect(stats.coalesced).toBeGreaterThanOrEqual(1);
      // Each listing was either a job of the worker (built or found unchanged) or joined one.
      expect(stats.built + stats.reused + stats.coalesced).toBe(asked + 1);
      expect(stats.built).toBeLessThan(asked + 1);
    } finally {
      await raiser.end();
      await hub.stop();
    }
  }, 120_000);
});
