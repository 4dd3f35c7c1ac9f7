import fs from 'node:fs';
import mqtt from 'mqtt';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RunningHub } from '../../hub/src/hub';
import { startTestHub } from '../../hub/test/support/hub';
import { ConsolePage } from './pages/console-page';
import { FieldPage } from './pages/field-page';
import { LoginPage } from './pages/login-page';
import { ensureDashboardBuilt } from './support/build';
import { DESKTOP, PROJECTS, type Project, artifactPath, launchChromium, newContext } from './support/browser';

let hub: RunningHub & { http: string };
let browser: Browser;
const contexts: BrowserContext[] = [];
const metrics: Record<string, unknown> = {};

beforeAll(async () => {
  await ensureDashboardBuilt();
  hub = await startTestHub();
  browser = await launchChromium();
});

// Each test closes its pages: idle pages still tick their clocks and would slow the next test on small CI machines.
afterEach(async () => {
  await Promise.all(contexts.splice(0).map((c) => c.close().catch(() => undefined)));
});

afterAll(async () => {
  await browser?.close();
  await hub?.stop();
  if (Object.keys(metrics).length) fs.writeFileSync(artifactPath('metrics.json'), `${JSON.stringify(metrics, null, 2)}\n`);
});

/** Opens a page in a fresh context of the project and signs in. */
async function signedIn(project: Project, username: string, password: string): Promise<Page> {
  const ctx = await newContext(browser, project, hub.http);
  contexts.push(ctx);
  const page = await ctx.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  (page as Page & { errors?: string[] }).errors = errors;
  const login = new LoginPage(page);
  await login.goto();
  await login.login(username, password);
  return page;
}

const tag = (project: Project, what: string) => `${what} ${project.name} ${Math.random().toString(36).slice(2, 7)}`;

for (const project of PROJECTS) {
  describe(`${project.name} project`, () => {
    it('shows an alert raised in the store’s field app in the control room within 1 s', async () => {
      // The control room is a desktop in both projects; the store uses the project's device.
      const room = new ConsolePage(await signedIn(DESKTOP, 'operator', 'operator-password'));
      const store = new FieldPage(await signedIn(project, 'boots-staff', 'boots-password'));
      await room.feed.waitFor();

      const text = tag(project, 'grey hoodie');
      await store.typeDetails(text);
      const t0 = performance.now();
      await store.raiseButton('Shoplifting').click();
      await room.page.waitForSelector(`[data-testid="alert-row"]:has-text("${text}")`, { timeout: 5_000 });
      const latencyMs = performance.now() - t0;
      metrics[`raiseToControlRoomMs_${project.name}`] = Math.round(latencyMs);

      expect(latencyMs).toBeLessThan(1_000);
      const row = room.rowWith(text);
      await expect(row.textContent()).resolves.toContain('Boots');
      await expect(row.textContent()).resolves.toContain('North');
      await expect(row.textContent()).resolves.toContain('nobody yet');
      // The store's own card is there too, with the escalation countdown running.
      await expect(store.cardWith(text).getByTestId('attending').textContent()).resolves.toMatch(/escalates in \d+s/);
    });

    it('shows the store who is attending when a warden acknowledges', async () => {
      const store = new FieldPage(await signedIn(project, 'boots-staff', 'boots-password'));
      const warden = new FieldPage(await signedIn(project, 'warden', 'warden-password'));
      const room = new ConsolePage(await signedIn(DESKTOP, 'operator', 'operator-password'));

      const text = tag(project, 'two males, bags');
      await store.typeDetails(text);
      await store.raise('Aggression');

      const wardenCard = warden.cardWith(text);
      await wardenCard.waitFor();
      await warden.ack(wardenCard, 'Attending');

      const storeCard = store.cardWith(text);
      await storeCard.getByTestId('attending').filter({ hasText: 'Attending: warden' }).waitFor({ timeout: 2_000 });
      // The control room sees the acknowledgement and the countdown stops.
      const row = room.rowWith(text);
      await row.getByTestId('acks').filter({ hasText: 'warden: Attending' }).waitFor({ timeout: 2_000 });
      await expect(row.textContent()).resolves.toContain('attended');
    });

    it('flips a radio offline on the device board when it disconnects', async () => {
      const room = new ConsolePage(await signedIn(project, 'operator', 'operator-password'));
      await room.gotoDevices();
      const radio = room.deviceRow('radio-coop');
      expect(await radio.getAttribute('data-status')).toBe('offline');

      const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${hub.mqttPort}`, {
        clientId: 'radio-coop', username: 'radio-coop', password: 'radio-coop-secret', reconnectPeriod: 0,
      });
      try {
        await room.page.locator('[data-testid="device-row"][data-device-id="radio-coop"][data-status="online"]').waitFor({ timeout: 3_000 });
        await expect(radio.textContent()).resolves.toContain('now');
      } finally {
        await client.endAsync();
      }
      await room.page.locator('[data-testid="device-row"][data-device-id="radio-coop"][data-status="offline"]').waitFor({ timeout: 3_000 });
      await expect(radio.textContent()).resolves.toMatch(/ago/);
    });

    it('shows alerts raised while the phone was offline once it reconnects', async () => {
      const warden = new FieldPage(await signedIn(project, 'warden', 'warden-password'));
      const store = new FieldPage(await signedIn(project, 'boots-staff', 'boots-password'));

      await warden.page.context().setOffline(true);
      await warden.page.locator('[data-testid="connection"][data-state="offline"]').waitFor({ timeout: 20_000 });
      const text = tag(project, 'missed while away');
      await store.typeDetails(text);
      await store.raise('Suspicious');
      await warden.page.waitForTimeout(300);
      expect(await warden.cardWith(text).count()).toBe(0);

      await warden.page.context().setOffline(false);
      await warden.connection.and(warden.page.locator('[data-state="online"]')).waitFor({ timeout: 20_000 });
      const card = warden.cardWith(text);
      await card.waitFor();
      await expect(card.textContent()).resolves.toContain('Missed while offline');
    });
  });
}
