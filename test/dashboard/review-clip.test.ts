import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { ReviewCandidate } from '@shopwatch/protocols';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHub } from '../../hub/src/hub';
import { login as apiLogin, startTestHub, tempDir } from '../../hub/test/support/hub';
import { LoginPage } from '../../dashboard/test/pages/login-page';
import { ensureDashboardBuilt } from '../../dashboard/test/support/build';
import { DESKTOP, artifactPath, launchChromium, newContext } from '../../dashboard/test/support/browser';
import { deliverCandidate, deliverClip, enrolSubject } from './support/gallery';

let hub: RunningHub & { http: string };
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  await ensureDashboardBuilt();
  hub = await startTestHub();
  browser = await launchChromium();
});

afterAll(async () => {
  await Promise.all(contexts.map((c) => c.close().catch(() => undefined)));
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

describe('review: the clip of a confirmed match', () => {
  it('shows "clip arriving" for a case confirmed before its clip, then the player when it lands, live', async () => {
    const coord = await apiLogin(hub.http, 'coord', 'coord-password');
    const subject = await enrolSubject(hub.http, coord, 'Clip Man');
    const dir = tempDir();
    const where = { mqttPort: hub.mqttPort, http: hub.http, dir, candidateId: 'cand-clip-1' };
    await deliverCandidate({ ...where, subjectId: subject.id });
    const page = await signedIn('operator', 'operator-password');
    await page.getByRole('link', { name: /^Review queue/ }).click();
    const detail = page.locator('[data-testid="candidate-detail"][data-candidate-id="cand-clip-1"]');
    await detail.getByTestId('candidate-crop').locator('img').waitFor();
    const clip = detail.getByTestId('candidate-clip');
    await clip.filter({ hasText: 'Clip arriving from the edge box' }).waitFor();

    // Confirmed at once, seconds before the post-roll ends.
    await page.keyboard.press('y');
    await page.keyboard.type('Same man: face and glasses match');
    await page.keyboard.press('Enter');
    await page.getByTestId('review-message').filter({ hasText: 'Confirmed' }).waitFor();
    await page.getByRole('radio', { name: 'Decided' }).click();
    await page.locator('[data-testid="candidate"][data-candidate-id="cand-clip-1"]').click();
    await detail.getByTestId('verdict').filter({ hasText: 'Confirmed by operator' }).waitFor();
    await clip.filter({ hasText: 'Clip arriving from the edge box' }).waitFor();
    expect(await clip.getAttribute('data-state')).toBe('arriving');
    const shot = artifactPath('desktop-07-console-review-clip-arriving.png');
    await page.screenshot({ path: shot, animations: 'disabled' });

    // The clip lands: the hub verifies it and the console shows the player, live.
    await deliverClip(where);
    await clip.getByRole('button', { name: /^Play clip/ }).click();
    const video = clip.locator('video');
    await video.waitFor();
    expect(await video.getAttribute('src')).toMatch(/^blob:/);
    // The browser reads the clip's metadata: it is a playable video, not just a button.
    const readyState = () => video.evaluate((v: HTMLVideoElement) => v.readyState);
    await expect.poll(readyState, { timeout: 10_000 }).toBeGreaterThanOrEqual(1);
    const res = await fetch(`${hub.http}/api/review/cand-clip-1`, { headers: { authorization: `Bearer ${coord}` } });
    const c = (await res.json()) as ReviewCandidate;
    expect(c).toMatchObject({ status: 'confirmed', clipState: 'ready' });
  }, 90_000);
});
