import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHub } from '../../hub/src/hub';
import { startTestHub } from '../../hub/test/support/hub';
import { ConsolePage } from '../../dashboard/test/pages/console-page';
import { FieldPage } from '../../dashboard/test/pages/field-page';
import { LoginPage } from '../../dashboard/test/pages/login-page';
import { ensureDashboardBuilt } from '../../dashboard/test/support/build';
import { DESKTOP, MOBILE, launchChromium, newContext } from '../../dashboard/test/support/browser';

let hub: RunningHub & { http: string };
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  await ensureDashboardBuilt();
  hub = await startTestHub();
  browser = await launchChromium();
});
afterEach(async () => {
  await Promise.all(contexts.splice(0).map((c) => c.close().catch(() => undefined)));
});
afterAll(async () => {
  await browser?.close();
  await hub?.stop();
});

/** Records CSP violations and the page's own errors from the first script on. */
async function watched(ctx: BrowserContext): Promise<Page> {
  await ctx.addInitScript(() => {
    const w = window as unknown as { cspViolations: string[] };
    w.cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      w.cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  const page = await ctx.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  (page as Page & { errors?: string[] }).errors = errors;
  return page;
}
const cspViolations = (page: Page) =>
  page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations);
const storageDump = (page: Page) => page.evaluate(() => JSON.stringify({ ...localStorage, ...sessionStorage }));

async function raise(username: string, password: string, body: Record<string, unknown>) {
  const post = (path: string, token: string | null, b: unknown) =>
    fetch(`${hub.http}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(b),
    });
  const { token } = (await (await post('/api/login', null, { username, password })).json()) as { token: string };
  const res = await post('/api/alerts', token, body);
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string };
}

describe('a shared phone keeps nothing of one user for the next (17.4)', () => {
  it("B, signing in after A on the same browser profile, sees none of A's draft; no token in storage", async () => {
    const ctx = await newContext(browser, MOBILE, hub.http);
    contexts.push(ctx);
    const page = await watched(ctx);
    const login = new LoginPage(page);
    await login.goto();
    await login.login('boots-staff', 'boots-password');
    const field = new FieldPage(page);
    const text = `shared phone ${Math.random().toString(36).slice(2, 7)}`;
    const alert = { type: 'shoplifting', severity: 'medium', message: text, clientRef: `sp-${text}` };
    await raise('boots-staff', 'boots-password', alert);
    await field.cardWith(text).getByRole('button', { name: 'Incident report…' }).click();
    const secret = 'Witness A: I saw Mr Example at 14 Acacia Avenue put razor blades in his coat.';
    await page.getByLabel(/Witness statement/).fill(secret);
    // The draft is kept on the device while A writes (the point of drafts)...
    expect(await storageDump(page)).toContain('Acacia Avenue');
    // ...but the session token never is: it is an HttpOnly cookie script cannot read.
    const sessionCookie = (await ctx.cookies()).find((c) => c.name === 'sw_session')!;
    expect(sessionCookie).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    expect(await storageDump(page)).not.toContain(sessionCookie.value);
    expect(await page.evaluate(() => document.cookie)).not.toContain('sw_session');

    await page.getByRole('button', { name: '← Back' }).click();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'ShopWatch' }).waitFor();
    expect(await storageDump(page)).not.toContain('Acacia Avenue');
    // The old session is dead on the hub, not only forgotten by the browser.
    const me = await fetch(`${hub.http}/api/me`, { headers: { cookie: `sw_session=${sessionCookie.value}` } });
    expect(me.status).toBe(401);

    // B signs in on the same profile and opens the same alert's incident form.
    await login.login('warden', 'warden-password');
    await field.cardWith(text).getByRole('button', { name: 'Incident report…' }).click();
    expect(await page.getByLabel(/Witness statement/).inputValue()).toBe('');
    expect(await page.content()).not.toContain('Acacia Avenue');
    expect(await storageDump(page)).not.toContain('Acacia Avenue');
    expect(await cspViolations(page)).toEqual([]);
    expect((page as Page & { errors?: string[] }).errors).toEqual([]);
  }, 60_000);

  it('a reload keeps the session through the cookie alone', async () => {
    const ctx = await newContext(browser, DESKTOP, hub.http);
    contexts.push(ctx);
    const page = await watched(ctx);
    const login = new LoginPage(page);
    await login.goto();
    await login.login('operator', 'operator-password');
    await page.reload();
    await page.locator('[data-testid="connection"][data-state="online"]').waitFor();
    // Script-readable storage holds no secret: only who is signed in (for the offline shell).
    const sessionCookie = (await ctx.cookies()).find((c) => c.name === 'sw_session')!;
    const stored = JSON.parse(await storageDump(page)) as Record<string, string>;
    expect(Object.keys(stored)).toEqual(['shopwatch.signed-in']);
    expect(JSON.parse(stored['shopwatch.signed-in']!)).toMatchObject({ username: 'operator' });
    expect(JSON.stringify(stored)).not.toContain(sessionCookie.value);
  });
});

describe('hostile text in the console (17.7, stored XSS)', () => {
  it('shows "Tesco\\u202Eevil" without reordering and an HTML message as text, under the CSP', async () => {
    const tag = Math.random().toString(36).slice(2, 7);
    const bidi = `Tesco\u202Eevil ${tag} \u2066gpj.exe\u2069 \u200Fmark`;
    const xss = `<img src=x onerror="window.pwned=1"> ${tag}`;
    for (const [message, ref] of [
      [bidi, `bidi-${tag}`],
      [xss, `xss-${tag}`],
    ]) {
      await raise('tesco-staff', 'tesco-password', { type: 'suspicious', severity: 'low', message, clientRef: ref });
    }

    const ctx = await newContext(browser, DESKTOP, hub.http);
    contexts.push(ctx);
    const page = await watched(ctx);
    const login = new LoginPage(page);
    await login.goto();
    await login.login('operator', 'operator-password');
    const room = new ConsolePage(page);
    await room.feed.waitFor();
    const row = room.rowWith(`Tescoevil ${tag}`);
    await row.waitFor();
    const shown = (await row.textContent()) ?? '';
    expect(shown).not.toMatch(/[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/);
    expect(shown).toContain('gpj.exe');
    // The whole document, including the detail pane once opened.
    await row.click();
    await room.detail.getByText(`Tescoevil ${tag}`).first().waitFor();
    const body = await page.evaluate(() => document.body.innerText);
    expect(body).not.toMatch(/[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/);

    const xssRow = room.rowWith(`<img src=x onerror="window.pwned=1"> ${tag}`);
    await xssRow.waitFor();
    expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
    expect(await page.locator('img[src="x"]').count()).toBe(0);
    expect(await cspViolations(page)).toEqual([]);
    expect((page as Page & { errors?: string[] }).errors).toEqual([]);
  }, 60_000);

  it('serves the dashboard with a CSP that has no inline script', async () => {
    const res = await fetch(`${hub.http}/console/alerts`);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(await res.text()).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
  });
});
