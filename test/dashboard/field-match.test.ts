import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Subject } from '@shopwatch/protocols';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHub } from '../../hub/src/hub';
import { login as apiLogin, startTestHub, tempDir } from '../../hub/test/support/hub';
import { FieldPage } from '../../dashboard/test/pages/field-page';
import { LoginPage } from '../../dashboard/test/pages/login-page';
import { ensureDashboardBuilt } from '../../dashboard/test/support/build';
import {
  DESKTOP,
  MOBILE,
  PROJECTS,
  type Project,
  artifactPath,
  launchChromium,
  newContext,
} from '../../dashboard/test/support/browser';
import { deliverCandidate, enrolSubject } from './support/gallery';

let hub: RunningHub & { http: string };
let browser: Browser;
let subject: Subject;
let alertId = '';
const contexts: BrowserContext[] = [];

const post = async (token: string, p: string, body: unknown) => {
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const res = await fetch(`${hub.http}${p}`, { method: 'POST', headers, body: JSON.stringify(body) });
  if (res.status >= 300) throw new Error(`${p}: ${res.status} ${await res.text()}`);
  return (await res.json()) as any;
};
/** What the audit log says `user` viewed of the subject. */
const viewsBy = async (user: string) =>
  (await hub.services.audit.list({ scheme: 'town', subjectId: subject.id }))
    .filter((e) => e.action === 'view' && e.actor.id === user)
    .map((e) => `${e.object.kind}:${e.object.id}`);

beforeAll(async () => {
  await ensureDashboardBuilt();
  hub = await startTestHub();
  browser = await launchChromium();
  const coord = await apiLogin(hub.http, 'coord', 'coord-password');
  const op = await apiLogin(hub.http, 'operator', 'operator-password');
  subject = await enrolSubject(hub.http, coord, 'Razor Man');
  const now = Date.now();
  await post(coord, '/api/exclusions', {
    subjectId: subject.id,
    stores: ['boots'],
    startsAt: new Date(now - 60_000).toISOString(),
    endsAt: new Date(now + 90 * 86400_000).toISOString(),
    decidedBy: 'J. Smith, scheme coordinator',
    appealRoute: 'Write to the BCRP office within 28 days',
  });
  const where = { mqttPort: hub.mqttPort, http: hub.http, dir: tempDir() };
  await deliverCandidate({ ...where, candidateId: 'cand-field-1', subjectId: subject.id });
  const list = await fetch(`${hub.http}/api/review/cases`, { headers: { authorization: `Bearer ${op}` } });
  const cases = (await list.json()) as { id: string }[];
  const confirm = { verdict: 'confirm', reason: 'same face as the enrolment photo' };
  alertId = (await post(op, `/api/review/cases/${cases[0]!.id}/decision`, confirm)).alertId;
}, 120_000);

afterAll(async () => {
  await Promise.all(contexts.map((c) => c.close().catch(() => undefined)));
  await browser?.close();
  await hub?.stop();
});

async function signedIn(project: Project, username: string, password: string): Promise<Page> {
  const ctx = await newContext(browser, project, hub.http);
  contexts.push(ctx);
  const page = await ctx.newPage();
  const login = new LoginPage(page);
  await login.goto();
  await login.login(username, password);
  return page;
}

/** Whether an image's object URL still loads in the page (as an image: the CSP allows blob: images only). */
const resolves = (page: Page, url: string) =>
  page.evaluate(
    (u) =>
      new Promise<boolean>((done) => {
        const img = new Image();
        img.onload = () => done(true);
        img.onerror = () => done(false);
        img.src = u;
      }),
    url,
  );

describe('field app: the picture on a match alert', () => {
  for (const project of PROJECTS) {
    it(`shows the gallery photo and the crop large, with alias, reason and notice (${project.name})`, async () => {
      const page = await signedIn(project, 'boots-staff', 'boots-password');
      const card = new FieldPage(page).card(alertId);
      const match = card.getByTestId('alert-match');
      await match.getByTestId('match-photo').waitFor();
      await match.getByTestId('match-crop').waitFor();
      expect(await match.getByTestId('match-alias').textContent()).toBe('Razor Man');
      expect(await match.getByTestId('match-reason').textContent()).toBe('Repeat offending');
      const notice = /^Exclusion notice: Boots until \d+ \w+ \d{4}\. Appeal: Write to the BCRP office/;
      expect(await match.getByTestId('exclusion-notice').textContent()).toMatch(notice);
      // Large: each picture takes close to half the card's width, also on a phone.
      const card_ = (await card.boundingBox())!;
      for (const id of ['match-photo', 'match-crop']) {
        const box = (await match.getByTestId(id).boundingBox())!;
        expect(box.width).toBeGreaterThan(card_.width * 0.4);
        expect(box.height).toBeGreaterThan(140);
      }
      // Real pictures, decoded by the browser, from object URLs (no token in any <img src>).
      const sizes = await match
        .locator('img')
        .evaluateAll((imgs) => (imgs as HTMLImageElement[]).map((i) => [i.naturalWidth, i.src.slice(0, 5)]));
      expect(sizes).toEqual([
        [340, 'blob:'],
        [240, 'blob:'],
      ]);
      const shot = artifactPath(`${project.name}-20-field-match-alert.png`);
      await page.screenshot({ path: shot, fullPage: true, animations: 'disabled' });
      const seen = [`alert:${alertId}/match/photo`, 'evidence:cand-field-1/crop.jpg'];
      expect(await viewsBy('boots-staff')).toEqual(expect.arrayContaining(seen));
    }, 60_000);
  }
});

describe('field app: a confirmed subject seen again', () => {
  it('adds "seen again" to the same card, live, instead of a second alert card', async () => {
    const page = await signedIn(MOBILE, 'boots-staff', 'boots-password');
    const field = new FieldPage(page);
    await field.card(alertId).getByTestId('match-photo').waitFor();
    const where = { mqttPort: hub.mqttPort, http: hub.http, dir: tempDir() };
    await deliverCandidate({ ...where, candidateId: 'cand-field-2', subjectId: subject.id });
    const update = field.card(alertId).getByTestId('alert-update');
    await update.filter({ hasText: /^Seen again at camera cam-1 at \d\d:\d\d UTC/ }).waitFor();
    expect(await field.cardWith('Gallery match').count()).toBe(1);
    await page.screenshot({ path: artifactPath('mobile-24-field-seen-again.png'), fullPage: true });
  }, 60_000);
});

describe("field app: the members' gallery", () => {
  for (const project of PROJECTS) {
    it(`shows a member the subject with photo and notice, audited, nothing kept after sign-out ` +
      `(${project.name})`, async () => {
      const page = await signedIn(project, 'boots-staff', 'boots-password');
      const before = (await viewsBy('boots-staff')).length;
      await page.getByRole('button', { name: 'Gallery', exact: true }).click();
      const card = page.locator(`[data-testid="gallery-subject"][data-subject-id="${subject.id}"]`);
      const img = card.getByTestId('gallery-photo');
      await img.waitFor();
      expect(await img.evaluate((i) => (i as HTMLImageElement).naturalWidth)).toBe(340);
      expect(await card.getByTestId('exclusion-notice').textContent()).toMatch(/Boots until/);
      await page.screenshot({ path: artifactPath(`${project.name}-21-field-gallery.png`), fullPage: true });
      const lists = await hub.services.audit.list({
        scheme: 'town',
        objectKind: 'subject',
        objectId: '*field-gallery*',
      });
      expect(lists.map((e) => e.actor.id)).toContain('boots-staff');
      const views = await viewsBy('boots-staff'); // newest first
      expect(views.slice(0, views.length - before)).toContain(`photo:${subject.photos[0]!.id}`);

      const src = (await img.getAttribute('src'))!;
      expect(await resolves(page, src)).toBe(true);
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('button', { name: 'Sign in' }).waitFor();
      // Nothing of the gallery remains: the picture's object URL is revoked, and no storage holds
      // the alias, the subject id or a photo.
      expect(await resolves(page, src)).toBe(false);
      const left = await page.evaluate(async () => ({
        local: JSON.stringify({ ...localStorage }),
        session: JSON.stringify({ ...sessionStorage }),
        caches: await Promise.all(
          (await caches.keys()).map(async (k) => (await (await caches.open(k)).keys()).map((r) => r.url)),
        ),
        idb: (await indexedDB.databases()).map((d) => d.name),
      }));
      for (const store of [left.local, left.session, JSON.stringify(left.caches)]) {
        expect(store).not.toContain('Razor Man');
        expect(store).not.toContain(subject.id);
        expect(store).not.toMatch(/\/photos\/|\/match\//);
      }
      expect(left.idb).toEqual([]);
    }, 60_000);
  }

  it('lets a member raise a "known offender" alert that picks the subject by alias and shows the photo', async () => {
    const page = await signedIn(MOBILE, 'boots-staff', 'boots-password');
    await page.getByLabel(/^Gallery subject/).fill('razor');
    await page.getByRole('button', { name: /^Razor Man · Repeat offending/ }).click();
    await page.getByTestId('subject-chosen').filter({ hasText: 'Razor Man' }).waitFor();
    const field = new FieldPage(page);
    await field.raise('Known offender');
    const card = field
      .cardWith('Known offender')
      .filter({ has: page.getByTestId('alert-match') })
      .first();
    await card.getByTestId('match-photo').waitFor();
    expect(await card.getByTestId('match-crop').count()).toBe(0); // raised by hand: no camera crop
    const hits = await hub.services.audit.list({ scheme: 'town', objectKind: 'subject', objectId: '*search*' });
    expect(hits.some((e) => e.actor.id === 'boots-staff')).toBe(true);
  }, 60_000);
});

describe("console: review cases instead of floods, and the alert's links to its case and subject", () => {
  it('lists 3 sightings of one subject as one case, confirms it into one alert, links back', async () => {
    const coord = await apiLogin(hub.http, 'coord', 'coord-password');
    const other = await enrolSubject(hub.http, coord, 'Blue Coat');
    const dir = tempDir();
    for (const [id, score] of [
      ['cand-case-1', 0.7],
      ['cand-case-2', 0.86],
      ['cand-case-3', 0.74],
    ] as const) {
      await deliverCandidate({
        mqttPort: hub.mqttPort,
        http: hub.http,
        dir,
        candidateId: id,
        subjectId: other.id,
        score,
      });
    }
    const page = await signedIn(DESKTOP, 'operator', 'operator-password');
    await page.getByRole('link', { name: /^Review queue/ }).click();
    // One row for the case, led by its best sighting, saying how many it holds.
    const rows = page.locator('[data-testid="candidate"]').filter({ hasText: 'Blue Coat' });
    await rows.first().getByTestId('case-summary').filter({ hasText: '3 sightings' }).waitFor();
    expect(await rows.count()).toBe(1);
    expect(await rows.getAttribute('data-candidate-id')).toBe('cand-case-2');
    await rows.click();
    const detail = page.locator('[data-testid="candidate-detail"][data-candidate-id="cand-case-2"]');
    await detail.getByTestId('case-summary').filter({ hasText: 'one decision covers them all' }).waitFor();
    await page.screenshot({ path: artifactPath('desktop-22-console-review-case.png'), animations: 'disabled' });
    await page.keyboard.press('y');
    await page.keyboard.type('Same man: face and coat match');
    await page.keyboard.press('Enter');
    const done = "one gallery-match alert for the case's 3 sightings";
    await page.getByTestId('review-message').filter({ hasText: done }).waitFor();

    const token = await apiLogin(hub.http, 'operator', 'operator-password');
    const res = await fetch(`${hub.http}/api/alerts`, { headers: { authorization: `Bearer ${token}` } });
    const alerts = (await res.json()) as { id: string; subjectId: string | null }[];
    const mine = alerts.filter((a) => a.subjectId === other.id);
    expect(mine).toHaveLength(1);

    await page.goto(`/console/alerts?alert=${mine[0]!.id}`);
    const subjectBox = page.getByTestId('alert-subject');
    await subjectBox.getByTestId('match-crop').waitFor();
    await page.screenshot({ path: artifactPath('desktop-23-console-alert-subject.png'), animations: 'disabled' });
    await subjectBox.getByTestId('case-link').click();
    await page
      .locator('[data-testid="candidate-detail"][data-candidate-id="cand-case-2"]')
      .getByTestId('verdict')
      .filter({ hasText: 'Confirmed by operator' })
      .waitFor();
    await page.goto(`/console/alerts?alert=${mine[0]!.id}`);
    await page.getByTestId('subject-link').click();
    await page.getByTestId('subject-panel').filter({ hasText: 'Blue Coat' }).waitFor();
  }, 90_000);

  it('raises a "known offender" alert from the console that picks the subject by alias', async () => {
    const page = await signedIn(DESKTOP, 'operator', 'operator-password');
    await page.getByRole('link', { name: /^Alerts/ }).click();
    await page.keyboard.press('r');
    const dialog = page.getByRole('dialog', { name: 'Raise an alert' });
    await dialog.getByLabel('Type').selectOption({ label: 'Known offender' });
    await dialog.getByLabel('Where').selectOption({ label: 'Co-op' });
    await dialog.getByLabel(/^Gallery subject/).fill('blue');
    await dialog.getByRole('button', { name: /^Blue Coat · Repeat offending/ }).click();
    await dialog.getByTestId('subject-chosen').filter({ hasText: 'Blue Coat' }).waitFor();
    await dialog.getByRole('button', { name: /^Raise/ }).click();
    await dialog.waitFor({ state: 'detached' });
    const subjectBox = page.getByTestId('alert-detail').getByTestId('alert-subject');
    await subjectBox.getByTestId('match-photo').waitFor();
    expect(await subjectBox.getByTestId('match-alias').textContent()).toBe('Blue Coat');
    expect(await subjectBox.getByTestId('case-link').count()).toBe(0); // raised by hand: no review case
  }, 60_000);
});
