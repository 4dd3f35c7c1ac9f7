import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorBody, LoginResponse } from '@shopwatch/protocols';
import { startTestHub } from '../support/hub';

/**
 * The browser session: an HttpOnly cookie script cannot read, CSRF protection for writes made
 * with it, and a logout that kills the session on the hub, not only in the browser.
 */
describe('HTTP sessions, CSRF and logout', () => {
  let hub: Awaited<ReturnType<typeof startTestHub>>;
  beforeAll(async () => {
    hub = await startTestHub();
  });
  afterAll(async () => hub?.stop());

  const loginRaw = (username: string, password: string, headers: Record<string, string> = {}) =>
    fetch(`${hub.http}/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ username, password }),
    });
  const cookiesOf = (res: Response) => new Map(res.headers.getSetCookie().map((c) => [c.split('=')[0]!, c]));
  const csrfOf = (res: Response) => cookiesOf(res).get('sw_csrf')!.split(';')[0]!.slice('sw_csrf='.length);
  const jar = (res: Response) =>
    res.headers
      .getSetCookie()
      .map((c) => c.split(';')[0]!)
      .join('; ');
  const alertCount = () => {
    const db = new Database(path.join(hub.dataDir, 'shopwatch.db'), { readonly: true });
    try {
      return db.prepare('SELECT COUNT(*) FROM alerts').pluck().get() as number;
    } finally {
      db.close();
    }
  };
  const raise = (headers: Record<string, string>, clientRef: string) =>
    fetch(`${hub.http}/api/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ type: 'suspicious', severity: 'low', clientRef }),
    });

  it('login sets an HttpOnly, SameSite=Strict session cookie and still returns the token for API clients', async () => {
    const res = await loginRaw('boots-staff', 'boots-password');
    expect(res.status).toBe(200);
    const body = LoginResponse.parse(await res.json());
    expect(body.token.length).toBeGreaterThan(30);
    const c = cookiesOf(res);
    expect(c.get('sw_session')).toMatch(/HttpOnly/);
    expect(c.get('sw_session')).toMatch(/SameSite=Strict/);
    expect(c.get('sw_session')).toContain(`sw_session=${body.token}`);
    expect(c.get('sw_session')).not.toMatch(/Secure/); // plain http here
    expect(c.get('sw_csrf')).not.toMatch(/HttpOnly/); // the page reads it to echo it in a header
    expect(c.get('sw_csrf')).toMatch(/SameSite=Strict/);
    const tls = cookiesOf(await loginRaw('boots-staff', 'boots-password', { 'x-forwarded-proto': 'https' }));
    expect(tls.get('sw_session')).toMatch(/; Secure/);
  });

  it('a cookie-authenticated write without the CSRF header is refused and changes nothing', async () => {
    const res = await loginRaw('boots-staff', 'boots-password');
    const cookie = jar(res);
    const csrf = csrfOf(res);
    const before = alertCount();
    const forged = await raise({ cookie }, 'csrf-forged');
    expect(forged.status).toBe(403);
    expect(ErrorBody.parse(await forged.json()).message).toMatch(/x-shopwatch-csrf/i);
    const wrong = await raise({ cookie, 'x-shopwatch-csrf': 'x'.repeat(csrf.length) }, 'csrf-wrong');
    expect(wrong.status).toBe(403);
    expect(alertCount()).toBe(before);
    // Reads need no header; a write with the matching header goes through.
    expect((await fetch(`${hub.http}/api/me`, { headers: { cookie } })).status).toBe(200);
    expect((await raise({ cookie, 'x-shopwatch-csrf': csrf }, 'csrf-ok')).status).toBe(201);
    expect(alertCount()).toBe(before + 1);
  });

  it('Bearer requests need no CSRF header (no browser adds one by itself)', async () => {
    const { token } = (await (await loginRaw('boots-staff', 'boots-password')).json()) as { token: string };
    expect((await raise({ authorization: `Bearer ${token}` }, 'bearer-ok')).status).toBe(201);
  });

  it('logout deletes the stored session and clears the cookies; the token no longer works', async () => {
    const res = await loginRaw('tesco-staff', 'tesco-password');
    const { token } = (await res.clone().json()) as { token: string };
    const cookie = jar(res);
    const csrf = csrfOf(res);
    const sessions = () => {
      const db = new Database(path.join(hub.dataDir, 'shopwatch.db'), { readonly: true });
      try {
        return db.prepare("SELECT COUNT(*) FROM sessions WHERE username = 'tesco-staff'").pluck().get() as number;
      } finally {
        db.close();
      }
    };
    const n = sessions();
    // Logging out by cookie is a write: it needs the CSRF header too (or a forged page could log you out).
    expect((await fetch(`${hub.http}/api/logout`, { method: 'POST', headers: { cookie } })).status).toBe(403);
    const out = await fetch(`${hub.http}/api/logout`, {
      method: 'POST',
      headers: { cookie, 'x-shopwatch-csrf': csrf },
    });
    expect(out.status).toBe(200);
    const cleared = cookiesOf(out);
    expect(cleared.get('sw_session')).toMatch(/^sw_session=;.*Max-Age=0/);
    expect(cleared.get('sw_csrf')).toMatch(/^sw_csrf=;.*Max-Age=0/);
    expect(sessions()).toBe(n - 1);
    expect((await fetch(`${hub.http}/api/me`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
    expect((await fetch(`${hub.http}/api/me`, { headers: { cookie } })).status).toBe(401);
  });
});
