import type { Browser, BrowserContext, Page, Request } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { addSubject } from '../edge-hub/support/evidence';
import { login as apiLogin, startTestHub } from '../../hub/test/support/hub';
import { GalleryPage } from '../../dashboard/test/pages/gallery-page';
import { LoginPage } from '../../dashboard/test/pages/login-page';
import { ensureDashboardBuilt } from '../../dashboard/test/support/build';
import { PROJECTS, type Project, artifactPath, launchChromium, newContext } from '../../dashboard/test/support/browser';

let hub: Awaited<ReturnType<typeof startTestHub>>;
let browser: Browser;
let coord: string;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  await ensureDashboardBuilt();
  [hub, browser] = await Promise.all([startTestHub(), launchChromium()]);
  coord = await apiLogin(hub.http, 'coord', 'coord-password');
  addSubject(hub, 'subj-forms'); // "Razor Man"
  const now = Date.now();
  const res = await fetch(`${hub.http}/api/exclusions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${coord}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      subjectId: 'subj-forms',
      stores: ['boots'],
      startsAt: new Date(now - 60_000).toISOString(),
      endsAt: new Date(now + 90 * 86400_000).toISOString(),
      decidedBy: 'J. Smith, scheme coordinator',
      appealRoute: 'Write to the BCRP office within 28 days',
    }),
  });
  expect(res.status).toBe(201);
});
afterEach(async () => {
  await Promise.all(contexts.splice(0).map((c) => c.close().catch(() => undefined)));
});
afterAll(async () => {
  await browser?.close();
  await hub?.stop();
});

/** The coordinator's console, and every write the page sends to the hub. */
async function console(project: Project): Promise<{ g: GalleryPage; writes: string[] }> {
  const ctx = await newContext(browser, project, hub.http);
  contexts.push(ctx);
  const page = await ctx.newPage();
  const login = new LoginPage(page);
  await login.goto();
  await login.login('coord', 'coord-password');
  const writes: string[] = [];
  page.on('request', (r: Request) => {
    if (r.method() !== 'GET' && r.url().includes('/api/')) writes.push(`${r.method()} ${new URL(r.url()).pathname}`);
  });
  return { g: new GalleryPage(page), writes };
}

/** Each named field's error, shown exactly once, and no other field error. */
async function fieldErrors(page: Page, scope: string) {
  const errs = page.locator(`${scope} .field-error`);
  await errs.first().waitFor();
  const ids = await errs.evaluateAll((els) => els.map((e) => e.getAttribute('data-testid')));
  return Object.fromEntries(
    await Promise.all(ids.map(async (id) => [id, await page.locator(`${scope} [data-testid="${id}"]`).innerText()])),
  );
}

for (const project of PROJECTS) {
  describe(`${project.name} project`, () => {
    it('enrol dialog: Ctrl+Enter on the empty form shows each field’s error once, beside it', async () => {
      const { g, writes } = await console(project);
      await g.goto('Gallery');
      await g.pressNew('Enrol a subject');
      const d = g.dialog('Enrol a subject');
      await d.getByLabel('Alias').press('Control+Enter');
      const errs = await fieldErrors(g.page, 'dialog[open]');
      expect(Object.keys(errs).sort()).toEqual(['error-alias', 'error-incidentIds', 'error-reason']);
      expect(errs['error-reason']).toBe('choose the reason for enrolment from the list');
      expect(errs['error-incidentIds']).toBe('link at least one incident');
      expect(errs['error-alias']).toBe('an alias of at least 2 characters, e.g. "Grey Hoodie"');
      // Beside its field: inside the field's label, and named by the field for screen readers.
      const alias = d.getByLabel('Alias');
      expect(await alias.getAttribute('aria-describedby')).toBe('err-alias');
      expect(await alias.evaluate((el) => !!el.closest('label')?.querySelector('[data-testid="error-alias"]'))).toBe(
        true,
      );
      await d.getByTestId('dialog-error').filter({ hasText: 'Check the fields marked above.' }).waitFor();
      // Again: still one message per field, none repeated in the dialog's own message.
      await d.getByLabel('Alias').press('Control+Enter');
      expect(await d.locator('.field-error').count()).toBe(3);
      expect(await d.getByTestId('dialog-error').innerText()).not.toContain('alias');
      await g.page.screenshot({ path: artifactPath(`enrol-validation-${project.name}.png`) });
      // A valid alias clears its own error only.
      await d.getByLabel('Alias').fill('Grey Hoodie');
      await d.getByLabel('Alias').press('Control+Enter');
      await expect.poll(() => d.getByTestId('error-alias').count()).toBe(0);
      expect(await d.locator('.field-error').count()).toBe(2);
      expect(writes).toEqual([]);
    });

    it('exclusion notice dialog: per-field errors on Ctrl+Enter, and no request', async () => {
      const { g, writes } = await console(project);
      await g.goto('Exclusions');
      await g.pressNew('Issue an exclusion notice');
      const d = g.dialog('Issue an exclusion notice');
      await d.getByLabel(/^Decided by/).press('Control+Enter');
      const errs = await fieldErrors(g.page, 'dialog[open]');
      expect(Object.keys(errs).sort()).toEqual([
        'error-appealRoute',
        'error-decidedBy',
        'error-places',
        'error-subjectId',
      ]);
      expect(errs['error-appealRoute']).toBe('say how the person can appeal');
      await g.page.screenshot({ path: artifactPath(`exclusion-validation-${project.name}.png`) });
      expect(writes).toEqual([]);
    });

    it('appeal and decision forms: the error beside the text, and no request', async () => {
      const { g, writes } = await console(project);
      await g.goto('Exclusions');
      await g.exclusionRow('Razor Man').click();
      const appeal = g.exclusion.getByRole('form', { name: /Record an appeal/ });
      await appeal.getByRole('button', { name: 'Record' }).click();
      await appeal.getByTestId('error-appeal-text').waitFor();
      expect(await appeal.locator('.field-error').count()).toBe(1);
      expect(await appeal.getByTestId('error-appeal-text').innerText()).toBe(
        'say what was received (at least 5 characters)',
      );
      const decide = g.exclusion.getByRole('form', { name: 'Decide' });
      await decide.getByRole('radio', { name: 'Varied' }).check();
      await decide.getByRole('checkbox', { name: 'Boots' }).uncheck();
      await decide.getByRole('button', { name: 'Record decision' }).click();
      await decide.getByTestId('error-decision-text').waitFor();
      await decide.getByTestId('error-places').waitFor();
      expect(await decide.locator('.field-error').count()).toBe(2);
      expect(writes).toEqual([]);
    });
  });
}
