import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorBody } from '@shopwatch/protocols';
import { createApp } from '../../src/http/app';
import { logger } from '../../src/log';
import { loadConfig } from '../../src/config';
import { startHub } from '../../src/hub';
import { login, tempDir, testScheme, writeSeed } from '../support/hub';

/**
 * Generated hostile input against the real hub's JSON routes, 16 requests in flight. The first
 * REAL_HTTP requests go over real HTTP (keep-alive sockets); the bulk goes through the same Hono
 * app in-process (`app.request`, same middleware, routes, services and database), because on a
 * busy 2-core box real HTTP managed ~30 requests/s and 50,000 would take half an hour. Each request body is either arbitrary JSON, a valid body with fields
 * replaced by arbitrary values, or bytes that are not JSON at all; GET routes get arbitrary
 * query strings. Checked: no 5xx, every refusal is `{code, message}`, the only rows created are
 * those of requests the hub accepted (2xx), and the process's memory stays bounded.
 */
const TOTAL = Number(process.env.SHOPWATCH_FUZZ_RUNS ?? 50_000);
const CONCURRENCY = 16;
const REAL_HTTP = Math.min(TOTAL, Number(process.env.SHOPWATCH_FUZZ_HTTP ?? 1_000));
const SEED = Number(process.env.SHOPWATCH_FUZZ_SEED ?? 20261130);

/** A full GC on demand, so the heap can be compared before and after (RSS alone includes allocator slack). */
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
const heapMb = () => {
  gc();
  return process.memoryUsage().heapUsed / 1e6;
};

describe('HTTP fuzz', () => {
  let hub: Awaited<ReturnType<typeof startHub>> & { http: string; dataDir: string };
  let coord: string;
  let alertId: string;
  let incidentId: string;
  let subjectId: string;
  beforeAll(async () => {
    // sync=normal: what is checked here is validation, not durability, and on a busy box each
    // fsync would dominate the run (every accepted row and audited read commits).
    const dataDir = tempDir();
    const seed = writeSeed(dataDir, testScheme());
    const h = await startHub(loadConfig({}, { httpPort: 0, mqttPort: 0, host: '127.0.0.1', dataDir, seed, logLevel: 'fatal', sync: 'normal' }));
    hub = { ...h, http: `http://127.0.0.1:${h.httpPort}`, dataDir };
    coord = await login(hub.http, 'coord', 'coord-password');
    const post = async (p: string, body: unknown) =>
      (await (await fetch(`${hub.http}${p}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${coord}` }, body: JSON.stringify(body) })).json()) as { id: string };
    alertId = (await post('/api/alerts', { type: 'suspicious', severity: 'low', store: 'boots', clientRef: 'fuzz-base' })).id;
    incidentId = (await post('/api/incidents', {
      type: 'theft', occurredAt: new Date().toISOString(), store: 'boots', description: 'fuzz base incident', statement: 'I saw him take razor blades and walk out.',
    })).id;
    subjectId = (await post('/api/gallery/subjects', { alias: 'Fuzz Base', status: 'known', reason: 'repeat-offending', incidentIds: [incidentId], under18: false, vulnerable: false })).id;
  });
  afterAll(async () => hub?.stop());

  it(`answers ${TOTAL} generated requests with no 5xx, no crash, no row from a refused body, bounded memory`, async () => {
    const now = new Date().toISOString();
    const later = new Date(Date.now() + 86400_000).toISOString();
    // Valid bodies per route; the generators below break them in every way.
    const VALID: Record<string, Record<string, unknown>> = {
      '/api/login': { username: 'coord', password: 'wrong-password' },
      '/api/alerts': { type: 'shoplifting', severity: 'low', store: 'boots', clientRef: 'x', message: 'm' },
      [`/api/alerts/${alertId}/ack`]: { status: 'seen', note: 'n' },
      [`/api/alerts/${alertId}/close`]: { outcome: 'left-area' },
      '/api/incidents': { type: 'theft', occurredAt: now, store: 'boots', description: 'a description', statement: 'x'.repeat(25) },
      '/api/gallery/subjects': { alias: 'Al', status: 'known', reason: 'repeat-offending', incidentIds: [incidentId], under18: false, vulnerable: false },
      '/api/exclusions': { subjectId, stores: ['boots'], zones: [], startsAt: now, endsAt: later, decidedBy: 'J. Smith', appealRoute: 'write to the coordinator' },
    };
    const GETS = ['/api/alerts', '/api/audit', '/api/review-stats', '/api/gallery/subjects', '/api/review', '/api/incidents', '/api/exclusions'];
    const routes = Object.keys(VALID);

    const anyJson = fc.jsonValue({ maxDepth: 3 });
    const mutated = fc.constantFrom(...routes).chain((r) =>
      fc.tuple(fc.constant(r), fc.dictionary(fc.constantFrom(...Object.keys(VALID[r]!), '__proto__', 'constructor', 'extra'), anyJson, { maxKeys: 3 }))
        .map(([route, patch]) => ({ route, body: JSON.stringify({ ...VALID[route]!, ...patch }) })),
    );
    const arbitrary = fc.tuple(fc.constantFrom(...routes), anyJson).map(([route, v]) => ({ route, body: JSON.stringify(v) ?? 'null' }));
    const notJson = fc.tuple(fc.constantFrom(...routes), fc.oneof(fc.string({ maxLength: 200 }), fc.constantFrom('{', '{"a":', '[1,2', '\u0000', '{"type":"x"}}', '1e999999'))).map(([route, body]) => ({ route, body }));
    const queryPart = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('abc', '-1', '1e9', '%', '%zz', '0', '', 'NaN', '9'.repeat(30)));
    const query = fc.tuple(fc.constantFrom(...GETS), fc.array(fc.tuple(fc.constantFrom('limit', 'days', 'before', 'state', 'status', 'since', 'zone', 'x'), queryPart), { maxLength: 3 }))
      .map(([route, pairs]) => ({ route: `${route}?${pairs.map(([k, v]) => `${k}=${/^%/.test(v) ? v : encodeURIComponent(v)}`).join('&')}`, body: null as string | null }));
    const requests = fc.sample(fc.oneof({ arbitrary: mutated, weight: 4 }, { arbitrary: arbitrary, weight: 2 }, { arbitrary: notJson, weight: 1 }, { arbitrary: query, weight: 2 }), { numRuns: TOTAL, seed: SEED });

    const db = new Database(path.join(hub.dataDir, 'shopwatch.db'), { readonly: true });
    const count = (table: string) => db.prepare(`SELECT COUNT(*) FROM ${table}`).pluck().get() as number;
    const TABLES: Record<string, string> = { '/api/alerts': 'alerts', '/api/incidents': 'incidents', '/api/gallery/subjects': 'subjects', '/api/exclusions': 'exclusions' };
    const before = Object.fromEntries(Object.values(TABLES).map((t) => [t, count(t)]));
    const accepted: Record<string, number> = {};
    const statuses: Record<number, number> = {};
    const fivexx: string[] = [];
    const badBodies: string[] = [];
    const heap0 = heapMb();
    const rss0 = process.memoryUsage().rss;
    let rssMax = rss0;
    const t0 = performance.now();

    const app = createApp(hub.services, logger('hub:fuzz'));
    let next = 0;
    const worker = async () => {
      while (next < requests.length) {
        const i = next++;
        const r = requests[i]!;
        const init = {
          method: r.body === null ? 'GET' : 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${coord}` },
          body: r.body ?? undefined,
        };
        const res = i < REAL_HTTP ? await fetch(`${hub.http}${r.route}`, init) : await app.request(`http://hub${r.route}`, init);
        const text = await res.text();
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
        if (res.status >= 500) fivexx.push(`${res.status} ${r.route} ${r.body?.slice(0, 200)} → ${text.slice(0, 200)}`);
        else if (res.status >= 400 && badBodies.length < 5 && !ErrorBody.safeParse(JSON.parse(text)).success) badBodies.push(`${r.route}: ${text.slice(0, 200)}`);
        if (res.status < 300 && r.body !== null && TABLES[r.route]) accepted[TABLES[r.route]!] = (accepted[TABLES[r.route]!] ?? 0) + (res.status === 201 ? 1 : 0);
        if (next % 2000 === 0) {
          rssMax = Math.max(rssMax, process.memoryUsage().rss);
          if (process.env.SHOPWATCH_FUZZ_TRACE) console.log(`${next}: rss ${(rssMax / 1e6).toFixed(0)} heap ${heapMb().toFixed(0)} MB`);
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const seconds = (performance.now() - t0) / 1000;
    const heap1 = heapMb();
    const rss1 = process.memoryUsage().rss;
    const after = Object.fromEntries(Object.values(TABLES).map((t) => [t, count(t)]));
    db.close();

    console.log(
      `fuzz: ${requests.length} requests (${REAL_HTTP} over real HTTP) in ${seconds.toFixed(1)} s (${(requests.length / seconds).toFixed(0)}/s); statuses ${JSON.stringify(statuses)}; ` +
        `rows ${JSON.stringify(before)} → ${JSON.stringify(after)}; accepted ${JSON.stringify(accepted)}; RSS ${(rss0 / 1e6).toFixed(0)} → max ${(rssMax / 1e6).toFixed(0)} → ${(rss1 / 1e6).toFixed(0)} MB; ` +
        `heap after GC ${heap0.toFixed(0)} → ${heap1.toFixed(0)} MB`,
    );
    expect(requests.length).toBe(TOTAL);
    expect(fivexx).toEqual([]);
    expect(badBodies).toEqual([]);
    // Every row that appeared belongs to a request the hub answered 201.
    for (const t of Object.values(TABLES)) expect(after[t]! - before[t]!, t).toBe(accepted[t] ?? 0);
    expect((await fetch(`${hub.http}/healthz`)).status).toBe(200);
    // The JS heap after a full GC must not grow with the number of requests (no leak per request);
    // RSS gets a loose bound, as the allocator and SQLite's page cache keep freed pages around.
    expect(heap1 - heap0).toBeLessThan(64);
    expect(rssMax - rss0).toBeLessThan(600e6);
  }, 600_000);
});
