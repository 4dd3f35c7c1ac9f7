/**
 * The whole story, as a user runs it: `npm start` from a clean data folder, then Chromium as
 * the control-room operator, a Boots member's phone and a warden's phone, and `mosquitto_sub`
 * as the Boots radio. Prints face-in-stream → review queue and confirm → every device latencies.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { ReviewCandidate } from '@shopwatch/protocols';
import { DESKTOP, MOBILE, launchChromium, newContext } from '../dashboard/test/support/browser';
import { ConsolePage } from '../dashboard/test/pages/console-page';
import { FieldPage } from '../dashboard/test/pages/field-page';
import { LoginPage } from '../dashboard/test/pages/login-page';
import { tempDir } from '../hub/test/support/hub';
import { freePort } from '../hub/test/support/ports';

const ROOT = path.resolve(import.meta.dirname, '..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('ShopWatch end to end, started with `npm start`', () => {
  let demo: ChildProcess;
  let radio: ChildProcess;
  let browser: Browser;
  let out = '';
  const radioLines: { at: number; json: any }[] = [];
  let http: string, mqttPort: number;

  beforeAll(async () => {
    const [h, m, r] = [await freePort(), await freePort(), await freePort()];
    http = `http://127.0.0.1:${h}`;
    mqttPort = m;
    demo = spawn('npm', ['start'], {
      cwd: ROOT,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        SHOPWATCH_DATA_DIR: tempDir('shopwatch-demo-'),
        SHOPWATCH_HTTP_PORT: String(h),
        SHOPWATCH_MQTT_PORT: String(m),
        SHOPWATCH_DEMO_RTSP_PORT: String(r),
      },
    });
    demo.stdout!.on('data', (d) => (out += d));
    demo.stderr!.on('data', (d) => (out += d));
    const end = Date.now() + 240_000;
    while (!out.includes('ShopWatch demo is running')) {
      if (Date.now() > end || demo.exitCode !== null) throw new Error(`npm start did not come up:\n${out}`);
      await sleep(250);
    }
    browser = await launchChromium();
  }, 300_000);

  afterAll(async () => {
    radio?.kill();
    await browser?.close();
    if (demo && demo.exitCode === null && demo.signalCode === null) {
      try {
        process.kill(-demo.pid!, 'SIGINT'); // Ctrl-C, to the whole process group as a terminal would
      } catch {}
      await Promise.race([new Promise((r) => demo.once('exit', r)), sleep(30_000)]);
    }
  }, 60_000);

  it('runs the story from a camera sighting to a closed alert', async () => {
    // The Boots radio: a third-party MQTT client on the zone topic.
    radio = spawn('mosquitto_sub', [
      '-h',
      '127.0.0.1',
      '-p',
      String(mqttPort),
      '-u',
      'radio-boots',
      '-P',
      'demo-radio-boots-secret-change-me',
      '-i',
      'boots-radio-gw',
      '-q',
      '1',
      '-t',
      'shopwatch/demo/zones/high-street/alerts',
    ]);
    let buf = '';
    radio.stdout!.on('data', (d) => {
      buf += d;
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        try {
          radioLines.push({ at: Date.now(), json: JSON.parse(line) });
        } catch {}
      }
    });

    const ctx = async (project: typeof DESKTOP, user: string, password: string): Promise<Page> => {
      const page = await (await newContext(browser, project, http)).newPage();
      const login = new LoginPage(page);
      await login.goto();
      await login.login(user, password);
      return page;
    };
    const [op, boots, warden] = await Promise.all([
      ctx(DESKTOP, 'operator', 'demo-operator-pass'),
      ctx(MOBILE, 'boots', 'demo-boots-pass'),
      ctx(MOBILE, 'warden', 'demo-warden-pass'),
    ]);
    const consolePage = new ConsolePage(op);

    // The operator sees the store camera online on the device board.
    await consolePage.gotoDevices();
    await consolePage.deviceRow('edge-boots').waitFor();
    await op
      .locator('[data-testid="camera-row"][data-camera-id="entrance"][data-status="online"]')
      .filter({ hasText: 'Boots entrance' })
      .waitFor({ timeout: 60_000 });

    // The demo subject walks past the camera; the candidate arrives in the review queue.
    await op.goto('/console/review');
    const candidate = op.getByTestId('candidate').first();
    await candidate.waitFor({ timeout: 120_000 });
    const seenInQueueAt = Date.now();
    const token = (
      await (
        await fetch(`${http}/api/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username: 'operator', password: 'demo-operator-pass' }),
        })
      ).json()
    ).token;
    const [c] = (await (
      await fetch(`${http}/api/review`, { headers: { authorization: `Bearer ${token}` } })
    ).json()) as ReviewCandidate[];
    expect(c).toMatchObject({ status: 'pending', subjectAlias: 'Demo Subject', store: 'boots' });
    const faceToQueue = Date.parse(c!.receivedAt) - Date.parse(c!.capturedAt) + c!.clockOffsetMs;
    const faceToScreen = seenInQueueAt - Date.parse(c!.capturedAt) + c!.clockOffsetMs;
    // Nothing reaches the stores before a human confirms.
    expect(radioLines).toEqual([]);

    // The operator confirms with a reason.
    await candidate.click();
    await op.keyboard.press('y');
    await op.getByLabel('Reason (kept with the decision)').fill('Same face and build as the gallery photo');
    const confirmAt = Date.now();
    await op.getByRole('button', { name: /Confirm and raise a gallery-match alert/ }).click();

    // The store's phone and the radio receive the alert.
    const bootsField = new FieldPage(boots);
    const card = bootsField.cardWith('Gallery match');
    const radioGot = (async () => {
      while (!radioLines.some((l) => l.json.alert?.type === 'gallery-match')) await sleep(10);
      return radioLines.find((l) => l.json.alert?.type === 'gallery-match')!.at;
    })();
    await card.waitFor({ timeout: 15_000 });
    const phoneAt = Date.now();
    const radioAt = await Promise.race([radioGot, sleep(15_000).then(() => NaN)]);
    expect(radioAt).not.toBeNaN();
    const radioEvent = radioLines.find((l) => l.json.alert?.type === 'gallery-match')!.json;
    expect(radioEvent.alert).toMatchObject({
      store: 'boots',
      subjectId: c!.subjectId,
      raisedBy: { kind: 'user', id: 'operator' },
    });

    // A warden acknowledges "attending"; the store sees who is coming.
    const wardenField = new FieldPage(warden);
    const wardenCard = wardenField.cardWith('Gallery match');
    await wardenCard.waitFor();
    const wardenAt = Date.now();
    await wardenField.ack(wardenCard, 'Attending');
    await bootsField
      .attending(card)
      .filter({ hasText: /warden/i })
      .waitFor({ timeout: 10_000 });

    // The operator closes it; the radio hears the close.
    await consolePage.gotoAlerts();
    await consolePage.rowWith('Gallery match').first().click();
    await consolePage.detail.getByRole('button', { name: /^Close…/ }).click();
    const dialog = op.getByRole('dialog');
    await dialog.getByText('Detained').click();
    await dialog.getByRole('button', { name: /^Close alert/ }).click();
    const deadline = Date.now() + 10_000;
    while (
      !radioLines.some((l) => l.json.event === 'closed' && l.json.alert.type === 'gallery-match') &&
      Date.now() < deadline
    )
      await sleep(20);
    expect(radioLines.some((l) => l.json.event === 'closed' && l.json.alert.outcome === 'detained')).toBe(true);

    console.log(
      [
        'system test latencies:',
        `  face in stream → review queue (hub): ${faceToQueue} ms`,
        `  face in stream → on the operator's screen: ${faceToScreen} ms (includes the screen's own start-up)`,
        `  confirm click → Boots phone card: ${phoneAt - confirmAt} ms`,
        `  confirm click → Boots radio (mosquitto_sub): ${radioAt - confirmAt} ms`,
        `  confirm click → warden phone card (checked after the Boots phone): ≤ ${wardenAt - confirmAt} ms`,
      ].join('\n'),
    );
  }, 300_000);

  it('stops every child process on Ctrl-C', async () => {
    process.kill(-demo.pid!, 'SIGINT');
    const exit = await Promise.race([
      new Promise<string>((r) => demo.once('exit', (c, sig) => r(`${c ?? sig}`))),
      sleep(30_000).then(() => 'timeout'),
    ]);
    // npm itself ends on the signal; its script goes on stopping the children in reverse order.
    expect(['0', 'SIGINT']).toContain(exit);
    const end = Date.now() + 30_000;
    while (!/hub stopped/.test(out) && Date.now() < end) await sleep(100);
    expect(out).toMatch(/edge agent stopped[\s\S]*hub stopped/);
    // No hub, camera or edge agent is left holding the ports.
    await expect(fetch(`${http}/healthz`)).rejects.toThrow();
  }, 60_000);
});
