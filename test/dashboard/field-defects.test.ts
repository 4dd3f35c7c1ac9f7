import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AlertWithDeliveries, type Incident } from '@shopwatch/protocols';
import { login as apiLogin, startTestHub } from '../../hub/test/support/hub';
import { FieldPage } from '../../dashboard/test/pages/field-page';
import { LoginPage } from '../../dashboard/test/pages/login-page';
import { ensureDashboardBuilt } from '../../dashboard/test/support/build';
import { PROJECTS, type Project, artifactPath, launchChromium, newContext } from '../../dashboard/test/support/browser';

let hub: Awaited<ReturnType<typeof startTestHub>>;
let browser: Browser;
let op: string;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  await ensureDashboardBuilt();
  [hub, browser] = await Promise.all([startTestHub(), launchChromium()]);
  op = await apiLogin(hub.http, 'operator', 'operator-password');
});
afterEach(async () => {
  await Promise.all(contexts.splice(0).map((c) => c.close().catch(() => undefined)));
});
afterAll(async () => {
  await browser?.close();
  await hub?.stop();
});

async function signedIn(project: Project, user: string, password: string): Promise<Page> {
  const ctx = await newContext(browser, project, hub.http);
  contexts.push(ctx);
  const page = await ctx.newPage();
  const login = new LoginPage(page);
  await login.goto();
  await login.login(user, password);
  return page;
}

async function alertsWith(text: string) {
  const res = await fetch(`${hub.http}/api/alerts?limit=500`, { headers: { authorization: `Bearer ${op}` } });
  return AlertWithDeliveries.array()
    .parse(await res.json())
    .filter((a) => a.message?.includes(text));
}

for (const project of PROJECTS) {
  describe(`${project.name} project`, () => {
    it('says "sent" once an offline raise is delivered, and its details do not go out again', async () => {
      const store = new FieldPage(await signedIn(project, 'boots-staff', 'boots-password'));
      const text = `blue cap ${project.name} ${Date.now()}`;
      await store.page.context().setOffline(true);
      await store.connection.and(store.page.locator('[data-state="offline"]')).waitFor({ timeout: 20_000 });
      await store.typeDetails(text);
      await store.raiseButton('Aggression').click();
      await store.page.getByTestId('raise-result').filter({ hasText: 'not sent yet' }).waitFor();
      expect(await store.page.getByLabel(/^Details/).inputValue()).toBe('');

      await store.page.context().setOffline(false);
      await store.page.getByTestId('raise-result').filter({ hasText: 'alert sent' }).waitFor({ timeout: 20_000 });
      expect(await store.page.getByTestId('raise-result').innerText()).not.toContain('not sent yet');
      await store.page.screenshot({ path: artifactPath(`field-offline-raise-sent-${project.name}.png`) });
      // The next alert carries no details: the old text went with the first one only.
      await store.raise('Suspicious');
      expect(await alertsWith(text)).toHaveLength(1);
      const res = await fetch(`${hub.http}/api/alerts?limit=1`, { headers: { authorization: `Bearer ${op}` } });
      const latest = (await res.json()) as { type: string; message: string | null }[];
      expect(latest[0]).toMatchObject({ type: 'suspicious', message: null });
    });

    it('shows a counter and the limit, refuses over-long details rather than cut them, clamps long cards', async () => {
      const store = new FieldPage(await signedIn(project, 'boots-staff', 'boots-password'));
      const words = Array.from({ length: 120 }, (_, i) => `word${i}`).join(' '); // 700 characters
      await store.typeDetails(words);
      await store.page
        .getByTestId('details-count')
        .filter({ hasText: `${words.length} / 500` })
        .waitFor();
      await store.raiseButton('Other').click();
      const over = `${words.length - 500} characters over the 500 limit`;
      await store.page.getByTestId('raise-result').filter({ hasText: over }).waitFor();
      expect(await store.page.getByLabel(/^Details/).inputValue()).toBe(words); // nothing cut
      expect(await alertsWith('word119')).toHaveLength(0);

      const long = `start-${project.name} ${words.slice(0, 470)} END`;
      await store.typeDetails(long);
      await store.raise('Other');
      const card = store.cardWith(`start-${project.name}`);
      const message = card.getByTestId('card-message');
      const clamped = await message.evaluate((el) => el.scrollHeight > el.clientHeight + 2);
      expect(clamped).toBe(true);
      await card.getByRole('button', { name: 'more' }).click();
      expect(await message.evaluate((el) => el.scrollHeight <= el.clientHeight + 2)).toBe(true);
      expect(await message.innerText()).toContain('END');
      await store.page.screenshot({ path: artifactPath(`field-details-counter-${project.name}.png`) });
    });

    it('files a report of another store’s alert under that store in at most 5 interactions (P8)', async () => {
      const text = `p8 ${project.name} ${Date.now()}`;
      const res = await fetch(`${hub.http}/api/alerts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${op}` },
        body: JSON.stringify({
          type: 'shoplifting',
          severity: 'high',
          store: 'coop',
          clientRef: `p8-${project.name}`,
          message: text,
        }),
      });
      const alertId = ((await res.json()) as { id: string }).id;
      const store = new FieldPage(await signedIn(project, 'boots-staff', 'boots-password'));
      const card = store.card(alertId);
      await card.waitFor();
      // Count every click and key press from the card to the hub having the report.
      await store.page.evaluate(() => {
        const w = window as unknown as { interactions: number };
        w.interactions = 0;
        for (const ev of ['click', 'keydown']) addEventListener(ev, () => w.interactions++, { capture: true });
      });
      await card.getByRole('button', { name: 'Incident report…' }).click();
      await store.page.getByTestId('incident-store').filter({ hasText: 'Co-op' }).waitFor();
      await store.page.getByRole('button', { name: 'Send to the hub' }).click();
      await store.page.getByTestId('incident-result').filter({ hasText: 'Sent to the hub' }).waitFor();
      const count = () => (window as unknown as { interactions: number }).interactions;
      const interactions = await store.page.evaluate(count);
      expect(interactions).toBeLessThanOrEqual(5);
      const incidents = await fetch(`${hub.http}/api/incidents`, { headers: { authorization: `Bearer ${op}` } });
      const list = (await incidents.json()) as Incident[];
      expect(list.find((i) => i.alertId === alertId)).toMatchObject({ store: 'coop', reporter: 'boots-staff' });
      await store.page.screenshot({ path: artifactPath(`field-incident-p8-${project.name}.png`) });
      console.log(`P8 ${project.name}: ${interactions} interactions from alert card to filed report`);
    });
  });
}
