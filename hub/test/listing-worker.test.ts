import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { type AlertEvent, AlertWithDeliveries, topics } from '@shopwatch/protocols';
import { ListedAlertCache } from '../src/alerts/listing-page';
import { acceptsGzip } from '../src/http/byte-stream';
import { fleetProvisioning, fleetSecret } from './support/fleet';
import { login, startTestHub, testScheme, writeSeed } from './support/hub';
import { TestDevice, sleep } from './support/mqtt';

/** A GET whose body is read as the bytes on the wire (fetch would decode the gzip itself). */
function rawGet(url: string, headers: Record<string, string>) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
    http
      .get(url, { headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

describe('GET /api/alerts built by the listing worker', () => {
  it('sends the page gzipped when the client accepts it, the same JSON byte for byte as without', async () => {
    // 1,000 radios: each alert of zone z0 lists 102 undelivered devices, 150 alerts make ~200 KB,
    // several 64 KiB chunks of the response.
    const hub = await startTestHub({ seed: fleetProvisioning(1000), raisesPerMinute: 1_000_000 });
    const raiser = await TestDevice.connect(hub.mqttPort, 'raiser-z0', fleetSecret('raiser-z0'));
    try {
      await Promise.all(
        Array.from({ length: 150 }, (_, i) =>
          raiser.publish(topics.alertRaise('fleet'), { type: 'shoplifting', severity: 'low', clientRef: `gz-${i}` }),
        ),
      );
      const token = await login(hub.http, 'operator', 'fleet-operator-password');
      const url = `${hub.http}/api/alerts?limit=500`;
      const plain = await rawGet(url, { authorization: `Bearer ${token}`, 'accept-encoding': 'identity' });
      expect(plain.status).toBe(200);
      expect(plain.headers['content-encoding']).toBeUndefined();
      expect(Number(plain.headers['content-length'])).toBe(plain.body.length);
      expect(plain.body.length).toBeGreaterThan(2 * 64 * 1024); // three chunks at least
      const page = AlertWithDeliveries.array().parse(JSON.parse(plain.body.toString('utf8')));
      expect(page).toHaveLength(150);
      expect(page[0]!.undelivered).toHaveLength(102);

      const gz = await rawGet(url, { authorization: `Bearer ${token}`, 'accept-encoding': 'gzip, deflate, br' });
      expect(gz.status).toBe(200);
      expect(gz.headers['content-encoding']).toBe('gzip');
      expect(gz.headers.vary).toMatch(/accept-encoding/i);
      expect(Number(gz.headers['content-length'])).toBe(gz.body.length);
      expect(gz.body.length).toBeLessThan(plain.body.length / 4);
      expect(zlib.gunzipSync(gz.body).equals(plain.body)).toBe(true);

      // A client that refuses gzip (q=0) gets the plain bytes.
      const refused = await rawGet(url, { authorization: `Bearer ${token}`, 'accept-encoding': 'gzip;q=0' });
      expect(refused.headers['content-encoding']).toBeUndefined();
      expect(refused.body.equals(plain.body)).toBe(true);
    } finally {
      await raiser.end();
      await hub.stop();
    }
  }, 120_000);

  it('lists every change of an alert at once: a receipt, an acknowledgement, a new radio in its zone', async () => {
    const hub = await startTestHub();
    const boots = await TestDevice.connect(hub.mqttPort, 'radio-boots', 'radio-boots-secret-for-tests');
    const coop = await TestDevice.connect(hub.mqttPort, 'radio-coop', 'radio-coop-secret-for-tests');
    try {
      await coop.subscribe(topics.zoneAlerts('town', 'north'));
      const token = await login(hub.http, 'operator', 'operator-password');
      const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
      /** The alert as the listing shows it, checked against the single-alert route built on the event loop. */
      const listed = async (id: string) => {
        const page = AlertWithDeliveries.array().parse(
          await (await fetch(`${hub.http}/api/alerts`, { headers: auth })).json(),
        );
        const one = AlertWithDeliveries.parse(
          await (await fetch(`${hub.http}/api/alerts/${id}`, { headers: auth })).json(),
        );
        const a = page.find((x) => x.id === id)!;
        expect(a).toEqual(one);
        return a;
      };

      await boots.publish(topics.alertRaise('town'), { type: 'shoplifting', severity: 'low', clientRef: 'cache-1' });
      const ev = (await coop.waitFor((m) => m.json?.alert?.clientRef === 'cache-1')).json as AlertEvent;
      const first = await listed(ev.alert.id);
      expect(first.undelivered).toContain('radio-coop');
      expect(first.deliveries).toEqual([]);

      await coop.publish(topics.alertReceipt('town', ev.alert.id), { eventSeq: ev.seq });
      await sleep(300);
      const receipted = await listed(ev.alert.id);
      expect(receipted.deliveries.map((d) => d.deviceId)).toEqual(['radio-coop']);
      expect(receipted.undelivered).not.toContain('radio-coop');

      const ack = await fetch(`${hub.http}/api/alerts/${ev.alert.id}/ack`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ status: 'attending' }),
      });
      expect(ack.status).toBe(200);
      const acked = await listed(ev.alert.id);
      expect(acked.timeline.map((e) => e.kind)).toEqual(['raised', 'acknowledged']);
      // radio-coop confirmed the raise, not the acknowledgement that followed it.
      expect(acked.undelivered).toContain('radio-coop');

      const seed = testScheme();
      seed.devices!.push({
        id: 'radio-boots-2',
        kind: 'radio',
        scheme: 'town',
        store: 'boots',
        secret: 'radio-boots-two-secret-for-tests',
      });
      await hub.reprovision(writeSeed(fs.mkdtempSync(path.join(hub.dataDir, 'seed-')), seed));
      const widened = await listed(ev.alert.id);
      expect(widened.undelivered).toContain('radio-boots-2');
    } finally {
      await Promise.all([boots.end(), coop.end()]);
      await hub.stop();
    }
  }, 60_000);

  it.runIf(process.platform === 'linux')(
    'builds pages in a thread that yields the CPU to the event loop (SCHED_IDLE, or nice 19)',
    async () => {
      /** Threads of this process (the hub runs in it) with their scheduling policy and nice value. */
      const threads = () =>
        fs.readdirSync('/proc/self/task').map((tid) => {
          const stat = fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
          const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
          return { tid, nice: Number(f[16]), policy: Number(f[38]) }; // proc(5): fields 19 and 41
        });
      const SCHED_IDLE = 5;
      const yielding = (t: { nice: number; policy: number }) => t.policy === SCHED_IDLE || t.nice >= 19;
      const hub = await startTestHub();
      try {
        const before = threads();
        expect(before.filter(yielding)).toEqual([]);
        const token = await login(hub.http, 'operator', 'operator-password');
        const res = await fetch(`${hub.http}/api/alerts`, { headers: { authorization: `Bearer ${token}` } });
        expect(res.status).toBe(200);
        const known = new Set(before.map((t) => t.tid));
        const lowered = threads().filter((t) => !known.has(t.tid) && yielding(t));
        expect(lowered.length).toBeGreaterThanOrEqual(1);
        // The event loop itself keeps its priority.
        expect(threads().find((t) => t.tid === String(process.pid))).toMatchObject({ policy: 0, nice: 0 });
      } finally {
        await hub.stop();
      }
    },
    30_000,
  );
});

describe('listing helpers', () => {
  it('reads Accept-Encoding as RFC 9110 does', () => {
    const cases: [string | undefined, boolean][] = [
      [undefined, false],
      ['', false],
      ['identity', false],
      ['gzip', true],
      ['GZIP', true],
      ['deflate, gzip;q=0.5', true],
      ['gzip;q=0', false],
      ['gzip; q=0.0', false],
      ['x-gzip', true],
      ['*', true],
      ['br, *;q=0', false],
      ['gzipped', false],
    ];
    for (const [header, want] of cases) expect(acceptsGzip(header), String(header)).toBe(want);
  });

  it('keeps an alert JSON only for the version it was built from, and forgets the least recently listed', () => {
    const cache = new ListedAlertCache(10);
    const b = (s: string) => Buffer.from(s);
    cache.set('a', 'v1', b('aaaa'));
    expect(cache.get('a', 'v1')?.json.toString()).toBe('aaaa');
    expect(cache.get('a', 'v2')).toBeUndefined();
    cache.set('b', 'v1', b('bbbb'));
    expect(cache.get('a', 'v1')?.json.toString()).toBe('aaaa'); // a is now the most recently listed
    cache.set('c', 'v1', b('cccc')); // 12 bytes > 10: b goes
    expect(cache.get('b', 'v1')).toBeUndefined();
    expect(cache.get('a', 'v1')?.json.toString()).toBe('aaaa');
    expect(cache.get('c', 'v1')?.json.toString()).toBe('cccc');
    const before = cache.get('a', 'v1')!.serial;
    cache.set('a', 'v2', b('AAAAAA')); // replaced, not added beside the old one: 10 bytes fit
    expect(cache.count).toBe(2);
    expect(cache.get('a', 'v2')!.serial).not.toBe(before); // a new JSON, a new serial
    cache.clear();
    expect(cache.count).toBe(0);
  });
});
