import path from 'node:path';
import sharp from 'sharp';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Exclusion, Incident, Subject } from '@shopwatch/protocols';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHub } from '../../hub/src/hub';
import { login as apiLogin, startTestHub, tempDir } from '../../hub/test/support/hub';
import { enrolmentFaceRegion, enrolmentPhoto, groupPhotos } from '../../models/test/fixtures';
import { GalleryPage } from '../../dashboard/test/pages/gallery-page';
import { LoginPage } from '../../dashboard/test/pages/login-page';
import { ensureDashboardBuilt } from '../../dashboard/test/support/build';
import { DESKTOP, artifactPath, launchChromium, newContext } from '../../dashboard/test/support/browser';

let hub: RunningHub & { http: string };
let browser: Browser;
const contexts: BrowserContext[] = [];
let goodPhoto: string;
const groupPhoto = groupPhotos[0]!;

beforeAll(async () => {
  await ensureDashboardBuilt();
  hub = await startTestHub();
  browser = await launchChromium();
  // The enrolment fixture cropped to one face, as a coordinator would crop a CCTV still.
  const r = enrolmentFaceRegion;
  goodPhoto = path.join(tempDir('shopwatch-photo-'), 'subject.jpg');
  await sharp(enrolmentPhoto)
    .extract({ left: r.x, top: r.y, width: r.w, height: r.h })
    .resize(340)
    .jpeg({ quality: 92 })
    .toFile(goodPhoto);
});

afterAll(async () => {
  await Promise.all(contexts.map((c) => c.close().catch(() => undefined)));
  await browser?.close();
  await hub?.stop();
});

async function signedIn(username: string, password: string): Promise<GalleryPage> {
  const ctx = await newContext(browser, DESKTOP, hub.http);
  contexts.push(ctx);
  const page = await ctx.newPage();
  const login = new LoginPage(page);
  await login.goto();
  await login.login(username, password);
  return new GalleryPage(page);
}

const shot = (page: Page, name: string) =>
  page.screenshot({ path: artifactPath(`desktop-${name}.png`), animations: 'disabled' });

async function api<T>(token: string, p: string): Promise<T> {
  const res = await fetch(`${hub.http}${p}`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status, p).toBe(200);
  return (await res.json()) as T;
}

describe('gallery governance in the console (coordinator)', () => {
  let g: GalleryPage;
  let coordToken: string;
  const alias = 'Razor Hoodie';
  const firstIncident = 'Took six packs of razor blades from aisle 4';
  const secondIncident = 'Returned and took aftershave gift sets';
  let subject: Subject;

  beforeAll(async () => {
    g = await signedIn('coord', 'coord-password');
    coordToken = await apiLogin(hub.http, 'coord', 'coord-password');
  });

  it('records an incident with a witness statement', async () => {
    await g.goto('Incidents');
    await g.recordIncident({
      type: 'Theft',
      store: 'Boots',
      description: firstIncident,
      statement: 'I saw the man put six packs of razor blades into his jacket and leave past the tills without paying.',
    });
    await g.page.getByRole('status').filter({ hasText: 'Incident recorded: Theft' }).waitFor();
    const row = g.page.getByTestId('incident-row').filter({ hasText: firstIncident });
    await row.waitFor();
    expect(await row.textContent()).toMatch(/Boots.*yes.*coord/);
    await g.recordIncident({ type: 'Theft', store: 'Co-op', description: secondIncident });
    await g.page.getByTestId('incident-row').filter({ hasText: secondIncident }).waitFor();
    await shot(g.page, '19-console-incidents-recorded');
  });

  it('refuses to enrol someone marked under 18, showing the hub’s message, then enrols', async () => {
    await g.goto('Gallery');
    await g.pressNew('Enrol a subject');
    await g.fillEnrolment({
      alias,
      status: 'Known',
      reason: 'Repeat offending',
      incident: firstIncident,
      under18: true,
    });
    await g
      .dialogError('Enrol a subject')
      .filter({ hasText: 'a person under 18 or vulnerable cannot be enrolled for matching' })
      .waitFor();
    await shot(g.page, '13-gallery-enrol-refused');
    expect(await api<Subject[]>(coordToken, '/api/gallery/subjects?state=all')).toEqual([]);

    await g.fillEnrolment({
      alias,
      status: 'Known',
      reason: 'Repeat offending',
      incident: firstIncident,
      under18: false,
    });
    await g.dialog('Enrol a subject').waitFor({ state: 'detached' });
    await g.subjectRow(alias).waitFor();
    await g.subject.getByRole('heading', { name: alias }).waitFor();
    const [s] = await api<Subject[]>(coordToken, '/api/gallery/subjects?state=all');
    subject = s!;
    expect(subject).toMatchObject({
      alias,
      status: 'known',
      reason: 'repeat-offending',
      state: 'active',
      templates: 0,
    });
    // The expiry the hub set is the one shown.
    const expires = new Date(subject.expiresAt).toLocaleDateString('en-GB', {
      day: '2-digit',
      month: 'short',
      year: 'numeric',
      timeZone: 'Europe/London',
    });
    expect(await g.subject.getByTestId('subject-expiry').textContent()).toContain(expires);
    expect(await g.subjectRow(alias).textContent()).toContain(expires);
  });

  it('refuses a group photo with the hub’s reason and accepts a one-face photo, shown from an object URL', async () => {
    await g.uploadPhoto(groupPhoto.path, 'Facebook group photo');
    await g.photoResult.filter({ hasText: `Photo refused: the photo holds ${groupPhoto.faces} faces` }).waitFor();
    expect(await g.photoResult.getAttribute('role')).toBe('alert');
    // The faces the hub found are drawn on a preview of the refused photo, one box each.
    const preview = g.subject.getByTestId('photo-faces');
    await preview.locator('img').waitFor();
    await expect(preview.getByTestId('face-box').count()).resolves.toBe(groupPhoto.faces);
    await expect(preview.locator('figcaption').textContent()).resolves.toMatch(
      new RegExp(`^${groupPhoto.faces} faces found: 1\\) \\d+ px`),
    );
    // Each box lies on the photo: inside the preview image, and not a sliver.
    const frame = (await preview.locator('img').boundingBox())!;
    for (const box of await preview.locator('rect').all()) {
      const b = (await box.boundingBox())!;
      expect(b.width).toBeGreaterThan(8);
      expect(b.x).toBeGreaterThanOrEqual(frame.x - 2);
      expect(b.x + b.width).toBeLessThanOrEqual(frame.x + frame.width + 2);
      expect(b.y + b.height).toBeLessThanOrEqual(frame.y + frame.height + 2);
    }
    await shot(g.page, '14-gallery-photo-refused');

    await g.uploadPhoto(goodPhoto, 'CCTV still, Boots entrance');
    await g.photoResult.filter({ hasText: 'Photo added: the subject now has 1 template' }).waitFor();
    await expect(g.subject.getByTestId('photo-faces').count()).resolves.toBe(0);
    expect(await g.subject.getByTestId('subject-templates').textContent()).toMatch(/^1 template\b/);
    const img = g.subject.getByTestId('subject-photo').locator('img');
    await img.waitFor();
    expect(await img.getAttribute('src')).toMatch(/^blob:/);
    await expect
      .poll(() => img.evaluate((i: HTMLImageElement) => i.complete && i.naturalWidth), { timeout: 5_000 })
      .toBe(340);
    // The list reloads after the panel has the hub's answer.
    await g
      .subjectRow(alias)
      .locator('td')
      .last()
      .filter({ hasText: /^1 \/ 1$/ })
      .waitFor();
    await shot(g.page, '15-gallery-subject');
  });

  it('links a new incident, which renews the entry, and shows the new expiry', async () => {
    const form = g.subject.getByRole('form', { name: /Link a new incident/ });
    const incidents = await api<Incident[]>(coordToken, '/api/incidents');
    await form.getByLabel('Incident').selectOption(incidents.find((i) => i.description === secondIncident)!.id);
    await form.getByRole('button', { name: 'Link and renew' }).click();
    const result = g.subject.getByTestId('link-result');
    await result.filter({ hasText: 'entry renewed: now expires' }).waitFor();
    const after = await api<Subject>(coordToken, `/api/gallery/subjects/${subject.id}`);
    expect(after.incidentIds).toHaveLength(2);
    expect(Date.parse(after.expiresAt)).toBeGreaterThan(Date.parse(subject.expiresAt));
    const expires = new Date(after.expiresAt).toLocaleDateString('en-GB', {
      day: '2-digit',
      month: 'short',
      year: 'numeric',
      timeZone: 'Europe/London',
    });
    expect(await result.textContent()).toContain(expires);
    await g.subject.getByRole('listitem').filter({ hasText: secondIncident }).waitFor();
  });

  it('issues an exclusion notice, records an appeal and varies it', async () => {
    await g.goto('Exclusions');
    await g.pressNew('Issue an exclusion notice');
    const d = g.dialog('Issue an exclusion notice');
    await d.getByLabel('Subject').selectOption({ label: alias });
    await d.getByRole('checkbox', { name: 'Boots' }).check();
    await d.getByRole('checkbox', { name: 'Co-op' }).check();
    await d.getByLabel(/^Decided by/).fill('J. Smith, scheme coordinator');
    await d
      .getByLabel(/^How the person can appeal/)
      .fill('In writing to the scheme manager within 21 days of the notice.');
    await d.getByRole('button', { name: /^Issue notice/ }).click();
    await d.waitFor({ state: 'detached' });
    await g.exclusionRow(alias).waitFor();
    await g.exclusion.getByTestId('exclusion-where').filter({ hasText: 'Boots, Co-op' }).waitFor();

    const appeal = g.exclusion.getByRole('form', { name: /Record an appeal/ });
    await appeal.getByLabel('What was received').fill('Letter from his solicitor: he works at the Co-op depot.');
    await appeal.getByRole('button', { name: 'Record' }).click();
    await g.exclusion.getByTestId('exclusion-events').getByText('Letter from his solicitor').waitFor();

    const decide = g.exclusion.getByRole('form', { name: 'Decide' });
    await decide.getByRole('radio', { name: 'Varied' }).check();
    await decide.getByRole('checkbox', { name: 'Co-op' }).uncheck();
    const newEnd = new Date(Date.now() + 90 * 86_400_000);
    await decide.getByLabel('New end date').fill(newEnd.toISOString().slice(0, 10));
    await decide
      .getByLabel('Reasons for the decision')
      .fill('Varied on appeal: Co-op removed so he can get to work; shorter term.');
    await decide.getByRole('button', { name: 'Record decision' }).click();
    await g.exclusion.getByTestId('exclusion-events').getByText('Decision: Varied').waitFor();
    await g.page
      .getByRole('status')
      .filter({ hasText: 'Decision recorded: varied; the notice is active until' })
      .waitFor();
    await g.exclusion
      .getByTestId('exclusion-where')
      .filter({ hasText: /^Boots$/ })
      .waitFor();
    const [x] = await api<Exclusion[]>(coordToken, '/api/exclusions');
    expect(x).toMatchObject({ stores: ['boots'], zones: [], status: 'active' });
    expect(x!.events.map((e) => [e.kind, e.outcome])).toEqual([
      ['appeal', null],
      ['decision', 'varied'],
    ]);
    expect(x!.endsAt.slice(0, 10)).toBe(newEnd.toISOString().slice(0, 10));
    await shot(g.page, '16-console-exclusions');
  });

  it('records a disclosure, which shows in the audit log beside the audited photo views', async () => {
    await g.goto('Audit');
    await g.pressNew('Record a disclosure');
    const d = g.dialog('Record a disclosure');
    await d.getByLabel('Subject').selectOption({ label: alias });
    await d.getByLabel('To whom').fill('PC 1234 Jones');
    await d.getByLabel('Organisation').fill('Town Police');
    await d.getByLabel('Why').fill('Investigation of the razor blade thefts, crime ref 44/1234/26');
    await d.getByRole('button', { name: /^Record disclosure/ }).click();
    await d.waitFor({ state: 'detached' });
    await g.page
      .getByRole('status')
      .filter({ hasText: /Disclosure recorded as audit entry #\d+/ })
      .waitFor();
    const row = g.auditRows('disclose').first();
    await row.waitFor();
    expect(await row.textContent()).toContain(
      'to PC 1234 Jones (Town Police): Investigation of the razor blade thefts',
    );
    expect(await row.textContent()).toContain(alias);
    // Each photo shown in the browser was fetched with the token and audited by the hub.
    expect(await g.auditRows('view').filter({ hasText: 'photo' }).count()).toBeGreaterThan(0);
    await shot(g.page, '17-console-audit-disclosure');
  });

  it('shows an operator the gallery read-only: no enrol button, no photo or removal forms', async () => {
    const op = await signedIn('operator', 'operator-password');
    await op.goto('Gallery');
    await op.subjectRow(alias).click();
    await op.subject.getByRole('heading', { name: alias }).waitFor();
    await op.subject.getByTestId('subject-photo').locator('img').waitFor();
    expect(await op.page.getByRole('button', { name: /Enrol a subject/ }).count()).toBe(0);
    expect(await op.subject.getByRole('form').count()).toBe(0);
    await op.page.keyboard.press('n');
    expect(await op.page.getByRole('dialog').count()).toBe(0);
    expect(await op.page.getByTestId('purge-table').count()).toBe(0);
    await op.goto('Exclusions');
    await op.exclusionRow(alias).click();
    expect(await op.exclusion.getByRole('form').count()).toBe(0);
    expect(await op.page.getByRole('button', { name: /Issue a notice/ }).count()).toBe(0);
  });

  it('removes the subject with a reason and lists the edge box that has not yet confirmed the purge', async () => {
    await g.goto('Gallery');
    await g.subjectRow(alias).click();
    const form = g.subject.getByRole('form', { name: 'Remove from the gallery' });
    await form.getByLabel('Reason for removal').fill('Exclusion ended early by agreement with the police');
    await form.getByRole('button', { name: 'Remove and purge' }).click();
    await g.subject.getByRole('heading', { name: alias }).getByText('Removed').waitFor();
    expect(await g.subject.getByTestId('subject-expiry').textContent()).toContain('Exclusion ended early');
    expect(await g.subject.getByTestId('subject-templates').textContent()).toMatch(/^0 templates/);
    await g.subject.getByText('Photos and templates were deleted when the entry was removed').waitFor();
    const purge = g.page.getByTestId('purge-row').filter({ hasText: alias });
    await purge.waitFor();
    // edge-boots never connected in this test, so it cannot have applied the purge yet.
    expect(await purge.textContent()).toContain('edge-boots');
    expect(await purge.textContent()).toContain('none yet');
    await shot(g.page, '18-gallery-removed-purges');
  });
});
