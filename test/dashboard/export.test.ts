import fs from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHub } from '../../hub/src/hub';
import { parsePublicKey } from '../../hub/src/export/keys';
import { verifyPackage } from '../../hub/src/export/verify';
import { evidenceCases } from '../edge-hub/support/export-fixtures';
import { startTestHub, tempDir } from '../../hub/test/support/hub';
import { ConsolePage } from '../../dashboard/test/pages/console-page';
import { LoginPage } from '../../dashboard/test/pages/login-page';
import { ensureDashboardBuilt } from '../../dashboard/test/support/build';
import { DESKTOP, artifactPath, launchChromium, newContext } from '../../dashboard/test/support/browser';

let hub: RunningHub & { http: string; dataDir: string };
let browser: Browser;
let cases: Awaited<ReturnType<typeof evidenceCases>>;
const contexts: BrowserContext[] = [];
const dir = tempDir('shopwatch-export-ui-');

beforeAll(async () => {
  await ensureDashboardBuilt();
  hub = await startTestHub();
  browser = await launchChromium();
  cases = await evidenceCases(hub, dir);
}, 120_000);

afterAll(async () => {
  await Promise.all(contexts.map((c) => c.close().catch(() => undefined)));
  await cases?.edge.close();
  await browser?.close();
  await hub?.stop();
});

async function signedIn(username: string, password: string): Promise<Page> {
  const ctx = await newContext(browser, DESKTOP, hub.http);
  contexts.push(ctx);
  const page = await ctx.newPage();
  const login = new LoginPage(page);
  await login.goto();
  await login.login(username, password);
  return page;
}

/** Fills the export dialog as an operator would and returns the file the browser downloaded. */
type Dialog = ReturnType<Page['getByRole']>;
async function exportThroughDialog(page: Page, exhibit: string): Promise<{ file: string; dialog: Dialog }> {
  const dialog = page.getByRole('dialog', { name: 'Export evidence for the police' });
  await dialog.getByLabel('Exhibit reference').fill(exhibit);
  await dialog.getByLabel('Given to (officer)').fill('DC 4321 Priya Shah');
  await dialog.getByLabel('Organisation (force)').fill('Example Constabulary');
  await dialog.getByLabel('Reason for disclosure').fill('Shoplifting investigation, crime ref 55/2026');
  const shot = artifactPath(`desktop-13-console-export-${exhibit.replace('/', '-')}-form.png`);
  await page.screenshot({ path: shot, animations: 'disabled' });
  const submit = dialog.getByRole('button', { name: 'Export and download' });
  const [download] = await Promise.all([page.waitForEvent('download'), submit.click()]);
  const file = path.join(dir, download.suggestedFilename());
  await download.saveAs(file);
  await dialog.getByTestId('export-result').waitFor();
  return { file, dialog };
}

async function hubKey() {
  const token = cases.op;
  const res = await fetch(`${hub.http}/api/exports/key`, { headers: { authorization: `Bearer ${token}` } });
  return parsePublicKey(((await res.json()) as { publicKey: string }).publicKey);
}

describe('police export from the console', () => {
  it('exports a confirmed match from the review screen and downloads a package that verifies', async () => {
    const page = await signedIn('operator', 'operator-password');
    await page.getByRole('link', { name: /^Review queue/ }).click();
    await page.getByRole('radio', { name: 'Decided' }).click();
    await page.locator('[data-testid="candidate"][data-candidate-id="case-0001"]').click();
    const detail = page.locator('[data-testid="candidate-detail"][data-candidate-id="case-0001"]');
    await detail.getByRole('button', { name: 'Export for police…' }).click();
    const { file, dialog } = await exportThroughDialog(page, 'PS/1');
    expect(path.basename(file)).toBe('PS-1.zip');
    await expect(dialog.getByTestId('export-result').textContent()).resolves.toContain('PS-1.zip');
    expect(await dialog.getByTestId('export-notes').count()).toBe(0);
    // The review screen's shortcuts ("k": previous candidate) do not act behind the open dialog.
    await page.keyboard.press('k');
    await page.waitForTimeout(300);
    expect(await dialog.isVisible()).toBe(true);
    expect(await detail.isVisible()).toBe(true);
    await page.screenshot({ path: artifactPath('desktop-13-console-export.png'), animations: 'disabled' });

    const result = verifyPackage(fs.readFileSync(file), await hubKey());
    expect(result.problems).toEqual([]);
    expect(result.info).toContainEqual(['Disclosed-To', 'DC 4321 Priya Shah']);
    const disclosures = await hub.services.audit.list({
      scheme: 'town',
      objectKind: 'candidate',
      objectId: 'case-0001',
    });
    expect(disclosures.find((e) => e.action === 'disclose')).toMatchObject({
      actor: { id: 'operator' },
      detail: { exhibit: 'PS/1', organisation: 'Example Constabulary' },
    });
  });

  it('exports from the alert a confirmation raised, and says loudly that the clip is missing', async () => {
    const alertId = (await hub.services.evidenceRepo.getCandidate('case-0002'))!.alertId!;
    const page = await signedIn('operator', 'operator-password');
    const room = new ConsolePage(page);
    await room.gotoAlerts();
    await room.row(alertId).click();
    await room.detail.getByRole('button', { name: 'Export for police…' }).click();
    const { file, dialog } = await exportThroughDialog(page, 'PS/2');
    const notes = dialog.getByTestId('export-notes');
    await expect(notes.textContent()).resolves.toMatch(/CLIP MISSING: the edge box reported "camera-offline"/);
    await page.screenshot({ path: artifactPath('desktop-13-console-export-clip-missing.png'), animations: 'disabled' });
    expect(verifyPackage(fs.readFileSync(file), await hubKey()).ok).toBe(true);
  });
});
