import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry, Subject } from '@shopwatch/protocols';
import { login as apiLogin, startTestHub, tempDir, testScheme } from '../../hub/test/support/hub';
import { GalleryPage } from '../../dashboard/test/pages/gallery-page';
import { LoginPage } from '../../dashboard/test/pages/login-page';
import { ensureDashboardBuilt } from '../../dashboard/test/support/build';
import { DESKTOP, PROJECTS, artifactPath, launchChromium, newContext } from '../../dashboard/test/support/browser';
import { deliverCandidate, enrolSubject } from './support/gallery';

let hub: Awaited<ReturnType<typeof startTestHub>>;
let browser: Browser;
let admin: string;
let coord: string;
let subject: Subject;
let saved: string;
let alertId: string;
const contexts: BrowserContext[] = [];
const HOSTILE = '<img src=x onerror="document.title=1">';

const get = (token: string, p: string, accept = '*/*') =>
  fetch(`${hub.http}${p}`, { headers: { authorization: `Bearer ${token}`, accept } });
const exports = async () =>
  (await hub.services.audit.list({ scheme: 'town', action: 'export', limit: 1000 })).filter(
    (e) => e.object.kind === 'subject',
  );

beforeAll(async () => {
  await ensureDashboardBuilt();
  const seed = testScheme();
  seed.users = seed.users!.map((u) => (u.username === 'admin' ? { ...u, displayName: 'Ada Admin' } : u));
  [hub, browser] = await Promise.all([startTestHub({ seed }), launchChromium()]);
  [admin, coord] = await Promise.all([
    apiLogin(hub.http, 'admin', 'admin-password'),
    apiLogin(hub.http, 'coord', 'coord-password'),
  ]);
  subject = await enrolSubject(hub.http, coord, 'Razor Hoodie');
  const res = await fetch(`${hub.http}/api/audit/disclosures`, {
    method: 'POST',
    headers: { authorization: `Bearer ${coord}`, 'content-type': 'application/json' },
    body: JSON.stringify({ subjectId: subject.id, to: 'PC 1234 Jones', organisation: 'Town Police', why: HOSTILE }),
  });
  expect(res.status).toBe(201);
  // A camera sighting, confirmed by a reviewer into an alert: both belong in the export.
  const where = { mqttPort: hub.mqttPort, http: hub.http, dir: tempDir() };
  await deliverCandidate({ ...where, candidateId: 'cand-sar-1', subjectId: subject.id });
  const op = await apiLogin(hub.http, 'operator', 'operator-password');
  const cases = (await (await get(op, '/api/review/cases')).json()) as { id: string }[];
  const decided = await fetch(`${hub.http}/api/review/cases/${cases[0]!.id}/decision`, {
    method: 'POST',
    headers: { authorization: `Bearer ${op}`, 'content-type': 'application/json' },
    body: JSON.stringify({ verdict: 'confirm', reason: 'same face as the enrolment photo' }),
  });
  expect(decided.status).toBe(200);
  alertId = ((await decided.json()) as { alertId: string }).alertId;
}, 120_000);
afterEach(async () => {
  await Promise.all(contexts.splice(0).map((c) => c.close().catch(() => undefined)));
});
afterAll(async () => {
  await browser?.close();
  await hub?.stop();
});

describe('subject access export as a readable document', () => {
  it('is one self-contained HTML attachment: every section, the photo embedded, dates in full', async () => {
    const before = (await exports()).length;
    const res = await get(admin, `/api/gallery/subjects/${subject.id}/sar?format=html`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-disposition')).toMatch(
      /^attachment; filename="subject-access-[\w-]+-[\d-]{10}\.html"$/,
    );
    const html = await res.text();
    for (const h of [
      'Subject',
      'Photos',
      'Exclusion notices',
      'Incidents',
      'Camera sightings and review decisions',
      'Disclosures outside the scheme',
      "Audit trail: who viewed, changed or exported this subject's data",
    ]) {
      expect(html).toContain(`<h2>${h}</h2>`);
    }
    // Nothing is fetched from anywhere: no script, no stylesheet link, every image a data: URI.
    expect(html).not.toMatch(/<script|<link|src="(?!data:)|url\(/i);
    const [, b64] = /<img src="data:image\/jpeg;base64,([^"]+)"/.exec(html) ?? [];
    const photo = subject.photos.find((p) => !p.deleted)!;
    expect(crypto.createHash('sha256').update(Buffer.from(b64!, 'base64')).digest('hex')).toBe(photo.sha256);
    // Dates in full, with their zone, e.g. "Mon 30 November 2026 at 09:51:02 UTC".
    expect(html).toMatch(
      /\d{1,2} (January|February|March|April|May|June|July|August|September|October|November|December) \d{4}/,
    );
    expect(html).toContain('UTC');
    // The same templates count as the subject API (issue 12 once found 0 in the export).
    expect(html).toMatch(new RegExp(`<th scope="row">Face templates held</th><td>${subject.templates}</td>`));
    expect(subject.templates).toBe(1);
    // The sighting with the reviewer's decision, and the alert it raised.
    expect(html).toMatch(/<td data-label="Camera">cam-1<\/td>.*<td data-label="Decision">confirmed<\/td>/s);
    expect(html).toContain('same face as the enrolment photo');
    expect(html).toContain(`<td data-label="Alert"><code>${alertId}</code></td>`);
    // The disclosure's hostile text is shown as text.
    expect(html).toContain('&lt;img src=x onerror=&quot;document.title=1&quot;&gt;');
    expect(html).toContain('produced');
    expect(html).toContain('by Ada Admin (admin)');

    const made = await exports();
    expect(made).toHaveLength(before + 1);
    expect(made[0]).toMatchObject({
      actor: { kind: 'user', id: 'admin' },
      subjectId: subject.id,
      detail: { purpose: 'subject access request', by: 'Ada Admin (admin)', format: 'html' },
    });
  });

  it('keeps the JSON for machines (?format=json, and for clients that do not ask for HTML)', async () => {
    const asked = await get(admin, `/api/gallery/subjects/${subject.id}/sar?format=json`, 'text/html');
    expect(asked.headers.get('content-type')).toMatch(/^application\/json/);
    const data = (await asked.json()) as { subject: { templates: number }; audit: AuditEntry[]; requestedBy: string };
    expect(data.subject.templates).toBe(1);
    expect(data.requestedBy).toBe('Ada Admin (admin)');
    const plain = await get(admin, `/api/gallery/subjects/${subject.id}/sar`);
    expect(plain.headers.get('content-type')).toMatch(/^application\/json/);
  });

  it('writes the same document from the command line when the output file ends in .html', async () => {
    const out = path.join(hub.dataDir, 'sar-cli.html');
    const env = { ...process.env, SHOPWATCH_DATA_DIR: hub.dataDir };
    const args = ['--import', 'tsx', 'hub/src/main.ts', 'sar', '--subject', subject.id, '--out', out];
    const run = spawnSync(process.execPath, args, {
      cwd: path.resolve(import.meta.dirname, '../..'),
      env,
      encoding: 'utf8',
    });
    expect(run.status, run.stderr).toBe(0);
    const html = fs.readFileSync(out, 'utf8');
    expect(html).toContain('<th scope="row">Face templates held</th><td>1</td>');
    expect(html).toContain('by command line (cli)');
  }, 60_000);

  it('refuses a bad format with 400 and other roles with 403, exporting nothing', async () => {
    const before = (await exports()).length;
    const bad = await get(admin, `/api/gallery/subjects/${subject.id}/sar?format=pdf`);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: 'bad_request' });
    expect((await get(coord, `/api/gallery/subjects/${subject.id}/sar?format=html`)).status).toBe(403);
    expect(await exports()).toHaveLength(before);
  });

  it('downloads from the subject panel of the console', async () => {
    const ctx = await newContext(browser, DESKTOP, hub.http);
    contexts.push(ctx);
    const page = await ctx.newPage();
    const login = new LoginPage(page);
    await login.goto();
    await login.login('admin', 'admin-password');
    const g = new GalleryPage(page);
    await g.goto('Gallery');
    await g.subjectRow('Razor Hoodie').click();
    await g.subject.getByRole('heading', { name: 'Razor Hoodie' }).waitFor();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      g.subject.getByTestId('sar-download').click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^subject-access-.+\.html$/);
    saved = artifactPath('subject-access-export.html');
    await download.saveAs(saved);
    expect(fs.readFileSync(saved, 'utf8')).toMatch(/^<!doctype html>/);
    await page.screenshot({ path: artifactPath('sar-subject-panel-desktop.png') });
  });

  for (const project of PROJECTS) {
    it(`reads well in a browser (${project.name}): the photo shows, the hostile text stays text`, async () => {
      expect(saved).toBeTruthy();
      const ctx = await browser.newContext({ ...project.context, javaScriptEnabled: true });
      contexts.push(ctx);
      const page = await ctx.newPage();
      await page.goto(pathToFileURL(saved).href);
      await page.getByRole('heading', { name: 'Subject access export: Razor Hoodie' }).waitFor();
      const img = page.getByRole('img', { name: /^Photo .* of Razor Hoodie$/ });
      await expect.poll(() => img.evaluate((i: HTMLImageElement) => i.complete && i.naturalWidth)).toBe(340);
      expect(await page.locator('img').count()).toBe(1);
      expect(await page.title()).toBe('Subject access export: Razor Hoodie');
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow).toBeLessThanOrEqual(1);
      await page.screenshot({ path: artifactPath(`sar-document-${project.name}.png`), fullPage: true });
    });
  }
});
