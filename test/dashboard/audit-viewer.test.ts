import fs from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry } from '@shopwatch/protocols';
import { addSubject } from '../edge-hub/support/evidence';
import { login as apiLogin, startTestHub } from '../../hub/test/support/hub';
import { LoginPage } from '../../dashboard/test/pages/login-page';
import { ensureDashboardBuilt } from '../../dashboard/test/support/build';
import { PROJECTS, type Project, artifactPath, launchChromium, newContext } from '../../dashboard/test/support/browser';

let hub: Awaited<ReturnType<typeof startTestHub>>;
let browser: Browser;
let coord: string;
const contexts: BrowserContext[] = [];

/** Entries straight into the hub's audit log, as its own features write them. */
async function record(n: number, actor: string, subjectId: string, to: string) {
  for (let i = 0; i < n; i++) {
    await hub.services.audit.append({
      scheme: 'town',
      actor: { kind: 'user', id: actor },
      action: 'disclose',
      object: { kind: 'subject', id: subjectId },
      subjectId,
      detail: { to: `${to} ${i}`, organisation: 'Town Police', why: 'Investigation 44/1234/26' },
    });
  }
}

beforeAll(async () => {
  await ensureDashboardBuilt();
  [hub, browser] = await Promise.all([startTestHub(), launchChromium()]);
  coord = await apiLogin(hub.http, 'coord', 'coord-password');
  addSubject(hub, 'subj-razor');
  const far = new Date(Date.now() + 86400_000).toISOString();
  const input = {
    status: 'known',
    reason: 'repeat-offending',
    incidentIds: ['inc-1'],
    under18: false,
    vulnerable: false,
  };
  hub.services.governance.gov.addSubject(
    'subj-cap',
    'town',
    { ...input, alias: 'Blue Cap' } as never,
    'coord',
    far,
    far,
  );
  await record(3, 'admin', 'subj-cap', 'PC Admin');
  // Blue Cap was disclosed by coord too: only the Who filter brings the list down to admin's 3.
  await record(2, 'coord', 'subj-cap', 'PC Coord');
  await record(70, 'coord', 'subj-razor', 'PC Coord');
});
afterEach(async () => {
  await Promise.all(contexts.splice(0).map((c) => c.close().catch(() => undefined)));
});
afterAll(async () => {
  await browser?.close();
  await hub?.stop();
});

async function auditScreen(project: Project): Promise<Page> {
  const ctx = await newContext(browser, project, hub.http);
  contexts.push(ctx);
  const page = await ctx.newPage();
  const login = new LoginPage(page);
  await login.goto();
  await login.login('coord', 'coord-password');
  await page.goto('/console/audit');
  await page.getByRole('heading', { name: 'Audit', exact: true }).waitFor();
  await page.getByTestId('audit-row').first().waitFor();
  return page;
}

const rows = (page: Page) => page.getByTestId('audit-row');
const filters = (page: Page) => page.getByRole('search', { name: 'Filter the audit log' });
const pageLabel = (page: Page) => page.getByTestId('audit-page');

for (const project of PROJECTS) {
  describe(`${project.name} project`, () => {
    it('shows a date on every time, and pages back and forth 50 entries at a time', async () => {
      const page = await auditScreen(project);
      const whens = await page.getByTestId('audit-when').allInnerTexts();
      expect(whens).toHaveLength(50);
      for (const w of whens) expect(w).toMatch(/^\d{2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2}:\d{2}/);
      const newest = await rows(page).first().locator('td').first().innerText();
      await page.getByRole('button', { name: 'Older' }).click();
      await pageLabel(page)
        .filter({ hasText: /^Page 2: entries/ })
        .waitFor();
      const second = await rows(page).locator('td:first-child').allInnerTexts();
      // 75 disclosures plus the hub's own entries: the second page goes on where the first stopped.
      expect(Number(second[0])).toBe(Number(newest) - 50);
      expect(second.length).toBeGreaterThan(20);
      await page.screenshot({ path: artifactPath(`audit-viewer-page2-${project.name}.png`) });
      await page.getByRole('button', { name: 'Newer' }).click();
      await pageLabel(page)
        .filter({ hasText: /^Page 1: entries/ })
        .waitFor();
      // Back at the newest entries (opening a list is audited too, so there may be newer ones now).
      expect(Number(await rows(page).first().locator('td').first().innerText())).toBeGreaterThanOrEqual(+newest);
    });

    it('filters by who, what, subject and dates, and exports exactly that view as an audited CSV', async () => {
      const page = await auditScreen(project);
      const f = filters(page);
      await f.getByLabel('What').selectOption({ label: 'Disclosed' });
      await f.getByLabel('Subject').selectOption({ label: 'Blue Cap' });
      await f.getByLabel('Who').fill('admin');
      await f.getByLabel('Who').press('Enter');
      await expect.poll(() => rows(page).count()).toBe(3);
      for (const text of await rows(page).allInnerTexts()) {
        expect(text).toContain('admin');
        expect(text).toContain('Blue Cap');
      }
      // A range that ends yesterday holds none of today's entries; one that includes today holds them.
      const day = (offset: number) => new Date(Date.now() + offset * 86400_000).toLocaleDateString('en-CA');
      await f.getByLabel('To').fill(day(-1));
      await page.getByText('No audit entries yet.').waitFor();
      await f.getByLabel('From').fill(day(0));
      await f.getByLabel('To').fill(day(0));
      await expect.poll(() => rows(page).count()).toBe(3);
      await page.screenshot({ path: artifactPath(`audit-viewer-filtered-${project.name}.png`) });

      const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('audit-csv').click()]);
      expect(download.suggestedFilename()).toMatch(/^audit-town-\d{4}-\d{2}-\d{2}\.csv$/);
      const csv = fs
        .readFileSync((await download.path())!, 'utf8')
        .trim()
        .split('\r\n');
      expect(csv).toHaveLength(1 + 3);
      expect(csv.slice(1).every((l) => l.includes(',admin,disclose,') && l.includes(',Blue Cap,'))).toBe(true);

      // The export is in the log, naming who ran it and the filter, and the screen shows it.
      const res = await fetch(`${hub.http}/api/audit?action=export&actor=coord&limit=1`, {
        headers: { authorization: `Bearer ${coord}` },
      });
      const [entry] = (await res.json()) as AuditEntry[];
      expect(entry?.detail).toMatchObject({
        what: 'export audit csv',
        by: 'coord (coord)',
        filter: { actor: 'admin', action: 'disclose', subjectId: 'subj-cap' },
        rows: 3,
      });
      expect(Object.keys((entry!.detail as { filter: object }).filter)).toEqual(expect.arrayContaining(['from', 'to']));
      await f.getByRole('button', { name: 'Clear filters' }).click();
      await f.getByLabel('What').selectOption({ label: 'Exported' });
      await rows(page).filter({ hasText: 'export audit csv' }).first().waitFor();
      expect(await rows(page).first().innerText()).toContain('filter: actor=admin, action=disclose');
    });
  });
}
