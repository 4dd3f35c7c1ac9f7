import net from 'node:net';
import path from 'node:path';
import Database from 'better-sqlite3';
import { WebSocketServer } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '../../src/auth/tokens';
import { logger } from '../../src/log';
import { BrowserSockets, DEFAULT_LIMITS } from '../../src/ws/browser';
import { login, startTestHub } from '../support/hub';
import { WsClient, busListeners } from './ws-support';

/**
 * The browser WebSocket from an attacker's side: sockets that never authenticate, sockets that
 * flood, tokens in URLs, cookies from another site. The victims are the hub's event loop, its
 * memory (bus listeners) and the session's owner.
 */
describe('browser WebSocket sessions and floods', () => {
  let hub: Awaited<ReturnType<typeof startTestHub>>;
  let wsUrl: string;
  beforeAll(async () => {
    hub = await startTestHub();
    wsUrl = `${hub.http.replace('http', 'ws')}/ws`;
  });
  afterAll(async () => hub?.stop());

  const cookieLogin = async (username: string, password: string) => {
    const res = await fetch(`${hub.http}/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });
    const cookies = res.headers.getSetCookie().map((c) => c.split(';')[0]!);
    return { cookie: cookies.join('; '), token: ((await res.json()) as { token: string }).token };
  };

  it('closes a socket that sends no valid hello within the grace period', async () => {
    const t0 = performance.now();
    const idle = await WsClient.open(wsUrl);
    const { code } = await idle.closed;
    const ms = performance.now() - t0;
    expect(code).toBe(4001);
    expect(ms).toBeGreaterThan(4_000);
    expect(ms).toBeLessThan(9_000);
    expect(idle.messages.some((m) => m.type === 'welcome')).toBe(false);
  }, 15_000);

  it('also closes a raw TCP upgrade that then sends nothing at all', async () => {
    const s = net.connect(hub.httpPort, '127.0.0.1');
    s.on('error', () => undefined);
    s.write(
      'GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    );
    s.resume();
    const closed = await new Promise<boolean>((r) => {
      s.once('close', () => r(true));
      setTimeout(() => r(false), 9_000);
    });
    expect(closed).toBe(true);
  }, 15_000);

  it('a second hello replaces the first: bus listeners do not grow', async () => {
    const token = await login(hub.http, 'operator', 'operator-password');
    const before = busListeners(hub.services.bus);
    const ws = await WsClient.open(wsUrl);
    ws.send({ type: 'hello', token, id: 'h1' });
    await ws.waitFor((m) => m.type === 'result' && m.id === 'h1');
    const once = busListeners(hub.services.bus);
    for (let i = 2; i <= 5; i++) {
      ws.send({ type: 'hello', token, id: `h${i}` });
      await ws.waitFor((m) => m.type === 'result' && m.id === `h${i}`);
    }
    expect(busListeners(hub.services.bus)).toBe(once);
    ws.ws.close();
    await ws.closed;
    expect(busListeners(hub.services.bus)).toBe(before);
  });

  it('rate-limits then closes a socket flooding 3,000 hellos, while HTTP stays responsive', async () => {
    const token = await login(hub.http, 'operator', 'operator-password');
    const before = busListeners(hub.services.bus);
    const ws = await WsClient.open(wsUrl);
    const hello = JSON.stringify({ type: 'hello', token });
    // Measure the event loop from outside: an HTTP request sent while the flood is processed.
    const probe = (async () => {
      await new Promise((r) => setTimeout(r, 20));
      const t0 = performance.now();
      const res = await fetch(`${hub.http}/healthz`);
      return { status: res.status, ms: performance.now() - t0 };
    })();
    for (let i = 0; i < 3000; i++) ws.ws.send(hello);
    const { code } = await ws.closed;
    const p = await probe;
    expect(code).toBe(1008);
    expect(p.status).toBe(200);
    expect(p.ms).toBeLessThan(3_000); // the unbounded loop blocked ~20 s; a busy CI box needs room
    expect(ws.messages.some((m) => m.type === 'error' && m.error.code === 'rate_limited')).toBe(true);
    expect(ws.messages.filter((m) => m.type === 'welcome').length).toBeLessThan(40);
    await new Promise((r) => setTimeout(r, 200));
    expect(busListeners(hub.services.bus)).toBe(before);
    console.log(`flood: ${ws.messages.length} answers before close, /healthz during the flood ${p.ms.toFixed(0)} ms`);
  }, 20_000);

  it('refuses a token in the URL and never welcomes that socket', async () => {
    const token = await login(hub.http, 'operator', 'operator-password');
    const ws = await WsClient.open(`${wsUrl}?token=${token}`);
    const { code } = await ws.closed;
    expect(code).toBe(4001);
    expect(ws.messages.some((m) => m.type === 'welcome')).toBe(false);
    expect(ws.messages.find((m) => m.type === 'error')).toMatchObject({ error: { code: 'unauthenticated' } });
  });

  it('authenticates by the session cookie on a same-origin upgrade, not from another site', async () => {
    const { cookie } = await cookieLogin('warden', 'warden-password');
    const own = await WsClient.open(wsUrl, { headers: { cookie }, origin: hub.http });
    const welcome = await own.waitFor((m) => m.type === 'welcome');
    expect(welcome).toMatchObject({ user: { username: 'warden' } });
    own.ws.close();

    // Cross-site WebSocket hijacking: a page elsewhere opens our /ws with the victim's cookie.
    const evil = await WsClient.open(wsUrl, { headers: { cookie }, origin: 'https://evil.example' });
    await new Promise((r) => setTimeout(r, 1000));
    expect(evil.messages.some((m) => m.type === 'welcome')).toBe(false);
    evil.ws.close();

    // Behind a reverse proxy that rewrites Host, the public name arrives as X-Forwarded-Host.
    const proxied = await WsClient.open(wsUrl, {
      headers: { cookie, 'x-forwarded-host': 'shopwatch.example' },
      origin: 'https://shopwatch.example',
    });
    await proxied.waitFor((m) => m.type === 'welcome');
    proxied.ws.close();
  });

  it('logout ends the session: its open socket is closed and the token is dead', async () => {
    const { token } = await cookieLogin('coord', 'coord-password');
    const ws = await WsClient.open(wsUrl);
    ws.send({ type: 'hello', token });
    await ws.waitFor((m) => m.type === 'welcome');
    const out = await fetch(`${hub.http}/api/logout`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(out.status).toBe(200);
    expect((await ws.closed).code).toBe(4001);
    const again = await WsClient.open(wsUrl);
    again.send({ type: 'hello', token });
    expect((await again.closed).code).toBe(4001);
    expect(again.messages.some((m) => m.type === 'welcome')).toBe(false);
  });

  it('a session ended elsewhere (row deleted, as re-provisioning does) closes its socket at a beat', async () => {
    // The same sockets class on its own server, with a fast heartbeat, over the real hub's services.
    const browsers = new BrowserSockets(hub.services, logger('test:ws'), { ...DEFAULT_LIMITS, heartbeatMs: 300 });
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    wss.on('connection', (ws, req) => browsers.handle(ws, req));
    await new Promise((r) => wss.once('listening', r));
    try {
      const token = await login(hub.http, 'warden', 'warden-password');
      const ws = await WsClient.open(`ws://127.0.0.1:${(wss.address() as { port: number }).port}/ws`);
      ws.send({ type: 'hello', token });
      await ws.waitFor((m) => m.type === 'welcome');
      await new Promise((r) => setTimeout(r, 700));
      expect(ws.ws.readyState).toBe(ws.ws.OPEN); // beats while the session exists keep it open
      const db = new Database(path.join(hub.dataDir, 'shopwatch.db'));
      db.prepare('DELETE FROM sessions WHERE token_hash = ?').run(hashToken(token));
      db.close();
      const t0 = performance.now();
      expect((await ws.closed).code).toBe(4001);
      expect(performance.now() - t0).toBeLessThan(3_000);
    } finally {
      wss.close();
    }
  });
});
