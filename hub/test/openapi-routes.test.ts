import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { z } from 'zod';
import { DOCS, render } from '../../protocols/scripts/generate-docs';
import { createApp } from '../src/http/app';
import { logger } from '../src/log';
import { login, startTestHub } from './support/hub';

/**
 * The OpenAPI document against the hub that serves it: every route the Hono app has is
 * documented, every documented route is served, the committed file is what the generator makes
 * now, and the documented response schemas describe real responses.
 */
type Operation = {
  'x-websocket'?: unknown;
  responses: Record<string, { content?: Record<string, { schema: Schema }> }>;
};
type Doc = {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
};
type Schema = Record<string, unknown>;

const committed: Doc = JSON.parse(
  fs.readFileSync(path.join(import.meta.dirname, '../../protocols/openapi.json'), 'utf8'),
);
const METHODS = ['get', 'post', 'patch', 'put', 'delete', 'head'];

/** Hono's `/api/alerts/:id` and catch-all `*` as the document writes them (`/api/alerts/{id}`, `/{path}`). */
const asDocumented = (honoPath: string) =>
  honoPath
    .replace(/:(\w+)/g, '{$1}')
    .replace(/^\*$/, '/{path}')
    .replace(/\/\*$/, '/{path}');

/** The zod schema of a documented JSON response, its `$ref`s resolved from the document's components. */
function documentedSchema(doc: Doc, method: string, p: string, status: number): z.ZodType {
  const content = doc.paths[p]?.[method]?.responses[String(status)]?.content?.['application/json'];
  if (!content) throw new Error(`${method.toUpperCase()} ${p} documents no JSON body for ${status}`);
  const resolve = (s: unknown): unknown => {
    if (Array.isArray(s)) return s.map(resolve);
    if (!s || typeof s !== 'object') return s;
    const ref = (s as { $ref?: string }).$ref;
    if (ref?.startsWith('#/components/schemas/')) return resolve(doc.components.schemas[ref.split('/').pop()!]);
    return Object.fromEntries(Object.entries(s).map(([k, v]) => [k, resolve(v)]));
  };
  return z.fromJSONSchema(resolve(content.schema) as Parameters<typeof z.fromJSONSchema>[0]);
}

describe('the OpenAPI document and the routes the hub serves', () => {
  let hub: Awaited<ReturnType<typeof startTestHub>>;
  let admin: string;
  const edgeAuth = `Basic ${Buffer.from('edge-boots:edge-boots-secret-for-tests').toString('base64')}`;

  beforeAll(async () => {
    hub = await startTestHub();
    admin = await login(hub.http, 'admin', 'admin-password');
  });
  afterAll(() => hub?.stop());

  /** The method and path of every route handler of the app (middleware, `app.use`, is `ALL`). */
  function servedRoutes(): string[] {
    const app = createApp(hub.services, logger('hub:openapi-test'));
    const served = new Set<string>();
    for (const r of app.routes) {
      if (r.method === 'ALL') continue;
      served.add(`${r.method.toLowerCase()} ${asDocumented(r.path)}`);
    }
    return [...served].sort();
  }

  function documentedRoutes(doc: Doc): string[] {
    return Object.entries(doc.paths)
      .flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m} ${p}`))
      .filter((r) => METHODS.includes(r.split(' ')[0]))
      .sort();
  }

  it('documents every route the app serves', () => {
    const served = servedRoutes();
    // More than the old hand-written document's 29 operations: the app really was walked.
    expect(served.length).toBeGreaterThan(50);
    const documented = new Set(documentedRoutes(committed));
    expect(served.filter((r) => !documented.has(r))).toEqual([]);
  });

  it('serves every documented route (a refusal is fine, "no such endpoint" is not)', async () => {
    const filled = (p: string) => p.replace('{path}', 'control-room/plan').replace(/\{\w+\}/g, 'no-such-id');
    const logoutToken = await login(hub.http, 'admin', 'admin-password');
    const request = (method: string, p: string) => {
      const edge = p.startsWith('/api/edge/');
      const token = p === '/api/logout' ? logoutToken : admin;
      const headers: Record<string, string> = { authorization: edge ? edgeAuth : `Bearer ${token}` };
      const bodiless = method === 'get' || method === 'head';
      if (!bodiless) headers['content-type'] = 'application/json';
      const body = bodiless ? undefined : '{}';
      return fetch(`${hub.http}${filled(p)}`, { method: method.toUpperCase(), headers, body });
    };
    /** What the app answers for a path no route serves: the `/api/*` catch-all or `notFound`. */
    const unrouted = async (res: Response) => {
      if (res.status === 405) return true;
      if (res.status !== 404) return false;
      const { message } = (await res.json()) as { message: string };
      return message === 'no such API endpoint' || message === 'not found';
    };
    // The check can fail: a made-up path under a documented prefix is "no such endpoint".
    expect(await unrouted(await request('get', '/api/alerts/x/no-such-part'))).toBe(true);
    expect(await unrouted(await request('post', '/api/scheme'))).toBe(true);

    // A WebSocket is served by the upgrade handler: a plain GET would only reach the dashboard.
    expect(await upgradeStatus('/no-such-socket')).toBe(404);

    const missing: string[] = [];
    let sockets = 0;
    for (const r of documentedRoutes(committed)) {
      const [method, p] = r.split(' ');
      if (committed.paths[p][method]['x-websocket']) {
        sockets++;
        const status = await upgradeStatus(p);
        if (status === 404) missing.push(`WebSocket ${p} → 404`);
        continue;
      }
      const res = await request(method, p);
      if (await unrouted(res)) missing.push(`${r} → ${res.status}`);
    }
    expect(missing).toEqual([]);
    expect(sockets).toBe(4);
  });

  it('holds to the access it documents: 401 without credentials, 403 for a role not listed', async () => {
    const member = await login(hub.http, 'boots-staff', 'boots-password');
    const wrong: string[] = [];
    let restricted = 0;
    for (const r of documentedRoutes(committed)) {
      const [method, p] = r.split(' ');
      const op = committed.paths[p][method] as Operation & { 'x-access'?: string | string[] };
      const access = op['x-access'];
      if (op['x-websocket']) continue;
      const url = `${hub.http}${p.replace(/\{\w+\}/g, 'no-such-id')}`;
      const init = (token?: string): RequestInit => ({
        method: method.toUpperCase(),
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: method === 'get' ? undefined : '{}',
      });
      const anonymous = await fetch(url, init());
      // A public route answers without credentials (a 400 for the empty body is an answer).
      if ((access === 'public') !== (anonymous.status !== 401)) {
        wrong.push(`${r} (${access}) without credentials → ${anonymous.status}`);
      }
      if (Array.isArray(access) && !access.includes('member')) {
        restricted++;
        const res = await fetch(url, init(member));
        if (res.status !== 403) wrong.push(`${r} as a member → ${res.status}`);
      }
    }
    expect(wrong).toEqual([]);
    expect(restricted).toBeGreaterThan(15);
  });

  /** 101 when the hub takes the WebSocket, else the status it refused the upgrade with. */
  function upgradeStatus(p: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`${hub.http.replace('http', 'ws')}${p}`, p === '/mqtt' ? ['mqtt'] : []);
      ws.on('open', () => {
        ws.terminate();
        resolve(101);
      });
      ws.on('unexpected-response', (_req, res) => {
        ws.terminate();
        resolve(res.statusCode ?? 0);
      });
      ws.on('error', reject);
    });
  }

  it('is the document the generator makes from the route table now (run "npm run docs")', () => {
    const file = fs.readFileSync(path.join(import.meta.dirname, '../../protocols/openapi.json'), 'utf8');
    expect(file).toBe(render(DOCS['openapi.json']()));
  });

  it('describes real response bodies with its response schemas', async () => {
    const call = async (method: string, p: string, body?: unknown, auth = `Bearer ${admin}`) => {
      const headers = { authorization: auth, 'content-type': 'application/json' };
      const res = await fetch(`${hub.http}${p}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    type Reply = { status: number; body: Record<string, unknown> };
    const check = (method: string, p: string, r: Reply, expected: number) => {
      expect(r.status, JSON.stringify(r.body)).toBe(expected);
      const parsed = documentedSchema(committed, method, p, r.status).safeParse(r.body);
      expect(parsed.error?.issues ?? [], `${method} ${p}`).toEqual([]);
      return r.body;
    };
    const raise = {
      type: 'shoplifting',
      severity: 'high',
      store: 'boots',
      clientRef: 'openapi-test-1',
    };
    const raised = check('post', '/api/alerts', await call('POST', '/api/alerts', raise), 201);
    check('get', '/api/alerts', await call('GET', '/api/alerts'), 200);
    check('get', '/api/alerts/{id}', await call('GET', `/api/alerts/${raised.id}`), 200);
    check('get', '/api/me', await call('GET', '/api/me'), 200);
    check('get', '/api/scheme', await call('GET', '/api/scheme'), 200);
    check('get', '/api/devices', await call('GET', '/api/devices'), 200);
    check('get', '/readyz', await call('GET', '/readyz'), 200);
    check('get', '/api/exports/key', await call('GET', '/api/exports/key'), 200);
    check('get', '/api/edge/time', await call('GET', '/api/edge/time', undefined, edgeAuth), 200);
    check('get', '/api/edge/gallery', await call('GET', '/api/edge/gallery', undefined, edgeAuth), 200);
    const bad = check('post', '/api/alerts', await call('POST', '/api/alerts', { type: 'shoplifting' }), 400);
    expect(bad.code).toBe('bad_request');

    // The schemas are strict enough to fail: a body missing a field, or with an unknown one, is refused.
    const me = documentedSchema(committed, 'get', '/api/me', 200);
    const { username: _, ...noName } = (await call('GET', '/api/me')).body;
    expect(me.safeParse(noName).success).toBe(false);
    const alert = documentedSchema(committed, 'get', '/api/alerts/{id}', 200);
    expect(alert.safeParse({ ...raised, severity: 'apocalyptic' }).success).toBe(false);
  });
});
