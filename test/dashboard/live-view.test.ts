import fs from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHub } from '../../hub/src/hub';
import { type LiveEdge, processExists, startLiveEdge, startLiveHub } from '../edge-hub/support/live';
import { ConsolePage } from '../../dashboard/test/pages/console-page';
import { LiveViewPage } from '../../dashboard/test/pages/live-page';
import { LoginPage } from '../../dashboard/test/pages/login-page';
import { ensureDashboardBuilt } from '../../dashboard/test/support/build';
import {
  DESKTOP,
  MOBILE,
  type Project,
  artifactPath,
  launchChromium,
  newContext,
} from '../../dashboard/test/support/browser';

/**
 * The live view as the control room uses it, measured with real parts: Chromium's Media Source
 * Extensions playing the fMP4 that the real edge streamer makes with ffmpeg (stream copy) from a
 * real RTSP camera, relayed by the real hub.
 */
let hub: RunningHub & { http: string; ws: string };
let edge: LiveEdge;
let browser: Browser;
const contexts: BrowserContext[] = [];
const figures: Record<string, unknown> = {};

beforeAll(async () => {
  await ensureDashboardBuilt();
  hub = await startLiveHub({ live: { graceMs: 2000 } });
  edge = await startLiveEdge(hub);
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await Promise.all(contexts.map((c) => c.close().catch(() => undefined)));
  await browser?.close();
  await edge?.stop();
  await hub?.stop();
  fs.writeFileSync(artifactPath('live-view.json'), `${JSON.stringify(figures, null, 2)}\n`);
  console.log('live view figures', JSON.stringify(figures));
});

async function operatorOnDeviceBoard(project: Project): Promise<Page> {
  const ctx = await newContext(browser, project, hub.http);
  contexts.push(ctx);
  const page = await ctx.newPage();
  await new LoginPage(page).goto();
  await new LoginPage(page).login('operator', 'operator-password');
  await new ConsolePage(page).gotoDevices();
  return page;
}

/** Records, in the page, when the video first has a picture and each frame it shows (wall clock). */
function recordFrames() {
  const w = window as unknown as { frames: { mediaTime: number; shownAt: number }[]; loadedAt?: number };
  w.frames = [];
  const video = document.querySelector('[data-testid="live-video"]') as HTMLVideoElement;
  video.addEventListener('loadeddata', () => (w.loadedAt = performance.timeOrigin + performance.now()), { once: true });
  const onFrame = (_now: number, m: VideoFrameCallbackMetadata) => {
    w.frames.push({ mediaTime: m.mediaTime, shownAt: performance.timeOrigin + m.expectedDisplayTime });
    video.requestVideoFrameCallback(onFrame);
  };
  video.requestVideoFrameCallback(onFrame);
}

describe('live view in the control room', () => {
  it('shows the first picture within 2 s of the click and stays within 1.5 s of the camera', async () => {
    const page = await operatorOnDeviceBoard(DESKTOP);
    const live = new LiveViewPage(page);
    await live.openFromDeviceBoard('door');
    await live.giveReason('alert 7: checking the front door');
    await page.evaluate(recordFrames);
    const clickedAt = await live.watch();

    // Functions, not strings: a string predicate is eval'd, which the dashboard's CSP forbids.
    await page.waitForFunction(
      () => (document.querySelector('[data-testid="live-video"]') as HTMLVideoElement).readyState >= 2,
      null,
      { timeout: 10_000 },
    );
    await page.waitForFunction(() => (window as unknown as { frames: unknown[] }).frames.length > 0, null, {
      timeout: 10_000,
    });
    const first = await page.evaluate(() => {
      const w = window as unknown as { frames: { shownAt: number }[]; loadedAt: number };
      return { loadedAt: w.loadedAt, firstFrameAt: w.frames[0]!.shownAt };
    });
    figures.firstPictureMs = Math.round(first.firstFrameAt - clickedAt);
    figures.readyStateHaveCurrentDataMs = Math.round(first.loadedAt - clickedAt);
    expect(first.firstFrameAt - clickedAt).toBeLessThanOrEqual(2000);

    // The codec string the hub derived from the avcC box, and Chromium's MSE says it can play it.
    const mime = await page.evaluate(() => {
      const m = (window as unknown as { livePlayer: { mime: string } }).livePlayer.mime;
      return { mime: m, supported: MediaSource.isTypeSupported(m) };
    });
    figures.mime = mime.mime;
    expect(mime.mime).toMatch(/^video\/mp4; codecs="avc1\.[0-9a-f]{6}"$/);
    expect(mime.supported).toBe(true);
    expect(await live.state()).toBe('playing');

    // Glass-to-glass, as an upper bound: the camera sends frame m at (ffmpeg start + m - m0) at the
    // earliest, since it starts sending only once ffmpeg has connected; the page shows it at shownAt.
    await page.waitForTimeout(8000);
    const spawnedAt = [...edge.streamer.streams.values()][0]!.times.spawnedAt!;
    const { frames, firstMediaTime } = await page.evaluate(() => ({
      frames: (window as unknown as { frames: { mediaTime: number; shownAt: number }[] }).frames,
      firstMediaTime: (window as unknown as { livePlayer: { firstMediaTime: number } }).livePlayer.firstMediaTime,
    }));
    const settled = frames.filter((f) => f.shownAt - clickedAt > 3000);
    const lags = settled
      .map((f) => f.shownAt - (spawnedAt + (f.mediaTime - firstMediaTime) * 1000))
      .sort((a, b) => a - b);
    const pct = (p: number) => Math.round(lags[Math.min(lags.length - 1, Math.floor(p * lags.length))]!);
    figures.glassToGlassUpperBoundMs = { median: pct(0.5), p95: pct(0.95), max: pct(1), frames: lags.length };
    figures.framesShownIn8s = settled.length;
    expect(settled.length).toBeGreaterThan(40); // it plays (10 fps camera), it is not one still
    expect(pct(0.95)).toBeLessThanOrEqual(1500);

    // Closing the view ends the stream: the edge's ffmpeg is gone after the grace period.
    const pid = [...edge.streamer.streams.values()][0]!.pid!;
    await live.close();
    const closedAt = Date.now();
    while (processExists(pid) && Date.now() - closedAt < 12_000) await new Promise((r) => setTimeout(r, 100));
    figures.ffmpegGoneAfterCloseMs = Date.now() - closedAt;
    expect(processExists(pid)).toBe(false);
    const audit = await hub.services.audit.list({ scheme: 'town', objectKind: 'camera', objectId: 'edge-boots/door' });
    expect(audit.map((e) => e.detail?.what)).toEqual(['live view closed', 'live view opened']);
    expect(audit[0]!.detail?.reason).toBe('alert 7: checking the front door');
  }, 90_000);

  it("lets store staff watch their own store's camera from the field app where the scheme allows it", async () => {
    const ctx = await newContext(browser, MOBILE, hub.http);
    contexts.push(ctx);
    const page = await ctx.newPage();
    await new LoginPage(page).goto();
    await new LoginPage(page).login('boots-staff', 'boots-password');
    await page.locator('[data-testid="field-camera-live"][data-camera-id="door"]').click();
    const live = new LiveViewPage(page);
    await live.giveReason('shoplifter at the door now');
    await live.watch();
    await page.waitForFunction(
      () => (document.querySelector('[data-testid="live-video"]') as HTMLVideoElement).currentTime > 1,
      null,
      { timeout: 10_000 },
    );
    await live.close();
    // The hub audits the end when it sees the viewer's socket close, a moment after the click.
    const mine = async () =>
      (await hub.services.audit.list({ scheme: 'town', objectKind: 'camera', objectId: 'edge-boots/door' }))
        .filter((e) => e.actor.id === 'boots-staff' && e.detail?.reason === 'shoplifter at the door now')
        .map((e) => e.detail?.what);
    await expect.poll(mine, { timeout: 5_000 }).toEqual(['live view closed', 'live view opened']);
  }, 60_000);

  it('shows camera thumbnails on the device board and plays live on a phone-sized screen', async () => {
    const page = await operatorOnDeviceBoard(MOBILE);
    const thumb = page.locator('[data-testid="camera-row"][data-camera-id="door"] [data-testid="camera-thumb"]');
    await thumb.waitFor({ timeout: 15_000 });
    expect(await thumb.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(320);
    const live = new LiveViewPage(page);
    await live.openFromDeviceBoard('door');
    await live.giveReason('checking on a phone');
    await live.watch();
    await page.waitForFunction(
      () => (document.querySelector('[data-testid="live-video"]') as HTMLVideoElement).currentTime > 1,
      null,
      { timeout: 10_000 },
    );
    await live.close();
  }, 60_000);
});
