import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AlertEvent, topics } from '@shopwatch/protocols';
import { addSubject } from '../edge-hub/support/evidence';
import { login as apiLogin, startTestHub } from '../../hub/test/support/hub';
import { TestDevice } from '../../hub/test/support/mqtt';
import { FieldPage } from '../../dashboard/test/pages/field-page';
import { ensureDashboardBuilt } from '../../dashboard/test/support/build';
import { PROJECTS, artifactPath, launchChromium, newContext } from '../../dashboard/test/support/browser';

let hub: Awaited<ReturnType<typeof startTestHub>>;
let browser: Browser;
let radio: TestDevice;
let op: string;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  await ensureDashboardBuilt();
  [hub, browser] = await Promise.all([startTestHub(), launchChromium()]);
  addSubject(hub, 'subj-link'); // "Razor Man", active
  op = await apiLogin(hub.http, 'operator', 'operator-password');
  radio = await TestDevice.connect(hub.mqttPort, 'radio-boots', 'radio-boots-secret-for-tests');
  await radio.subscribe(topics.zoneAlerts('town', 'north'));
});
afterEach(async () => {
  await Promise.all(contexts.splice(0).map((c) => c.close().catch(() => undefined)));
});
afterAll(async () => {
  await radio?.end();
  await browser?.close();
  await hub?.stop();
});

let n = 0;
/** A "known offender" alert for Boots naming the gallery subject; what the radio heard of it. */
async function raiseAndHear() {
  const clientRef = `card-link-${++n}`;
  const heard = radio.waitFor((m) => (m.json as { alert?: { clientRef?: string } })?.alert?.clientRef === clientRef);
  const res = await fetch(`${hub.http}/api/alerts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${op}` },
    body: JSON.stringify({
      type: 'known-offender',
      severity: 'high',
      store: 'boots',
      subjectId: 'subj-link',
      clientRef,
    }),
  });
  expect(res.status).toBe(201);
  return AlertEvent.parse((await heard).json);
}

describe('the link in a radio payload', () => {
  it('is the field app’s card URL (/a/{id}); the JSON API path stays beside it', async () => {
    const e = await raiseAndHear();
    expect(e.alert.match).toMatchObject({
      cardUrl: `/a/${e.alert.id}`,
      url: `/api/alerts/${e.alert.id}/match`,
      alias: 'Razor Man',
    });
    // The card URL is a page for people, served without a token (the app asks for sign-in).
    const page = await fetch(`${hub.http}${e.alert.match!.cardUrl}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
  });

  for (const project of PROJECTS) {
    it(`opens on a signed-out ${project.name} browser: sign in, then the card with the match`, async () => {
      const e = await raiseAndHear();
      const ctx = await newContext(browser, project, hub.http);
      contexts.push(ctx);
      const page = await ctx.newPage();
      await page.goto(e.alert.match!.cardUrl);
      await page.getByLabel('Username').fill('boots-staff');
      await page.getByLabel('Password').fill('boots-password');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL((u) => u.pathname === '/field' && u.searchParams.get('alert') === e.alert.id);
      const card = new FieldPage(page).card(e.alert.id);
      await card.waitFor();
      await expect.poll(() => card.getAttribute('class')).toContain('focused');
      expect(await card.innerText()).toContain('Razor Man');
      await page.screenshot({ path: artifactPath(`field-card-link-${project.name}.png`) });

      // Signed in already, the same link goes straight to the card.
      await page.goto(e.alert.match!.cardUrl);
      await page.waitForURL((u) => u.pathname === '/field' && u.searchParams.get('alert') === e.alert.id);
      await new FieldPage(page).card(e.alert.id).waitFor();
    });
  }
});
