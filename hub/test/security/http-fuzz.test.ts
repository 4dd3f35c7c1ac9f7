import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorBody } from '@shopwatch/protocols';
import { loadConfig } from '../../src/config';
import { createApp } from '../../src/http/app';
import { startHub } from '../../src/hub';
import { logger } from '../../src/log';
import { login, tempDir, testScheme, writeSeed } from '../support/hub';
import { type FuzzRequest, fuzzRequests } from './fuzz-cases';

/**
 * Generated hostile input against the real hub's JSON routes (fuzz-cases.ts), 16 requests in
 * flight. The first REAL_HTTP requests go over real HTTP (keep-alive sockets); the bulk goes
 * through the same Hono app in-process (`app.request`: same middleware, routes, services and
 * database), because on a busy 2-core box real HTTP managed ~30 requests/s. Checked: no 5xx,
 * every refusal is `{code, message}`, the only rows created are those of requests the hub
 * accepted (201), and the JS heap after a full GC does not grow with the number of requests.
 */
const TOTAL = Number(process.env.SHOPWATCH_FUZZ_RUNS ?? 50_000);
const REAL_HTTP = Math.min(TOTAL, Number(process.env.SHOPWATCH_FUZZ_HTTP ?? 1_000));
const CONCURRENCY = 16;
const SEED = Number(process.env.SHOPWATCH_FUZZ_SEED ?? 20261130);
const TABLES: Record<string, string> = {
  '/api/alerts': 'alerts',
  '/api/incidents': 'incidents',
  '/api/gallery/subjects': 'subjects',
  '/api/exclusions': 'exclusions',
};

// A full GC on demand, so the heap can be compared (RSS alone includes allocator slack).
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
const heapMb = () => {
  gc();
  return process.memoryUsage().heapUsed / 1e6;
};

describe('HTTP fuzz', () => {
  let hub: Awaited<ReturnType<typeof startHub>> & { http: string; dataDir: string };
  let coord: string;
  let requests: FuzzRequest[];
  beforeAll(async () => {
    // sync=normal: what is checked is validation, not durability; on a busy box each fsync
    // (every accepted row and audited read commits) would dominate the run.
    const dataDir = tempDir();
    const seed = writeSeed(dataDir, testScheme());
    const overrides = { httpPort: 0, mqttPort: 0, host: '127.0.0.1', dataDir, seed, logLevel: 'fatal' } as const;
    const config = loadConfig({}, { ...overrides, sync: 'normal' });
    const h = await startHub(config);
    hub = { ...h, http: `http://127.0.0.1:${h.httpPort}`, dataDir };
    coord = await login(hub.http, 'coord', 'coord-password');
    const post = async (p: string, body: unknown) => {
      const headers = { 'content-type': 'application/json', authorization: `Bearer ${coord}` };
      const res = await fetch(`${hub.http}${p}`, { method: 'POST', headers, body: JSON.stringify(body) });
      return ((await res.json()) as { id: string }).id;
    };
    const alertId = await post('/api/alerts', { type: 'suspicious', severity: 'low', store: 'boots', clientRef: 'f' });
    const incidentId = await post('/api/incidents', {
      type: 'theft',
      occurredAt: new Date().toISOString(),
      store: 'boots',
      description: 'fuzz base incident',
      statement: 'I saw him take razor blades and walk out.',
    });
    const subjectId = await post('/api/gallery/subjects', {
      alias: 'Fuzz Base',
      status: 'known',
      reason: 'repeat-offending',
      incidentIds: [incidentId],
      under18: false,
      vulnerable: false,
    });
    requests = fuzzRequests({ alertId, incidentId, subjectId }, TOTAL, SEED);
  });
  afterAll(async () => hub?.stop());

  it(`answers ${TOTAL} generated requests: no 5xx, no crash, no row from a refused body, bounded memory`, async () => {
    const db = new Database(path.join(hub.dataDir, 'shopwatch.db'), { readonly: true });
    const count = (t: string) => db.prepare(`SELECT COUNT(*) FROM ${t}`).pluck().get() as number;
    const counts = () => Object.fromEntries(Object.values(TABLES).map((t) => [t, count(t)]));
    const before = counts();
    const accepted: Record<string, number> = {};
    const statuses: Record<number, number> = {};
    const fivexx: string[] = [];
    const badBodies: string[] = [];
    const heap0 = heapMb();
    const rss0 = process.memoryUsage().rss;
    let rssMax = rss0;
    const t0 = performance.now();
    const app = createApp(hub.services, logger('hub:fuzz'));

    const send = (i: number, r: FuzzRequest) => {
      const headers = { 'content-type': 'application/json', authorization: `Bearer ${coord}` };
      const init = { method: r.body === null ? 'GET' : 'POST', headers, body: r.body ?? undefined };
      return i < REAL_HTTP ? fetch(`${hub.http}${r.route}`, init) : app.request(`http://hub${r.route}`, init);
    };
    let next = 0;
    const worker = async () => {
      while (next < requests.length) {
        const i = next++;
        const r = requests[i]!;
        const res = await send(i, r);
        const text = await res.text();
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
        const what = `${res.status} ${r.route} ${r.body?.slice(0, 200)} → ${text.slice(0, 200)}`;
        if (res.status >= 500) fivexx.push(what);
        else if (res.status >= 400 && !ErrorBody.safeParse(JSON.parse(text)).success) badBodies.push(what);
        const table = r.body !== null ? TABLES[r.route] : undefined;
        if (table && res.status === 201) accepted[table] = (accepted[table] ?? 0) + 1;
        if (i % 2000 === 0) rssMax = Math.max(rssMax, process.memoryUsage().rss);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const seconds = (performance.now() - t0) / 1000;
    const heap1 = heapMb();
    const after = counts();
    db.close();

    const mb = (n: number) => (n / 1e6).toFixed(0);
    console.log(
      `fuzz: ${requests.length} requests (${REAL_HTTP} over real HTTP) in ${seconds.toFixed(1)} s ` +
        `(${(requests.length / seconds).toFixed(0)}/s); statuses ${JSON.stringify(statuses)}; ` +
        `rows ${JSON.stringify(before)} → ${JSON.stringify(after)}; accepted ${JSON.stringify(accepted)}; ` +
        `RSS ${mb(rss0)} → max ${mb(rssMax)} MB; heap after GC ${heap0.toFixed(0)} → ${heap1.toFixed(0)} MB`,
    );
    expect(requests.length).toBe(TOTAL);
    expect(fivexx).toEqual([]);
    expect(badBodies.slice(0, 5)).toEqual([]);
    // Every row that appeared belongs to a request the hub answered 201.
    for (const t of Object.values(TABLES)) expect(after[t]! - before[t]!, t).toBe(accepted[t] ?? 0);
    expect((await fetch(`${hub.http}/healthz`)).status).toBe(200);
    // No per-request leak: the heap after a full GC stays put; RSS gets a loose bound, as the
    // allocator and SQLite's page cache keep freed pages around.
    expect(heap1 - heap0).toBeLessThan(64);
    expect(rssMax - rss0).toBeLessThan(600e6);
  }, 900_000);
});
