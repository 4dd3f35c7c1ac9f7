import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AlertEvent, topics } from '@shopwatch/protocols';
import { startTestHub, tempDir, testScheme, writeSeed } from './support/hub';
import { TestDevice, sleep } from './support/mqtt';
import { freePort } from './support/ports';

const ROOT = path.resolve(import.meta.dirname, '../..');

describe('catch-up of missed alert events', () => {
  it('sends a device that was offline every event it missed, in order, each once', async () => {
    const hub = await startTestHub();
    try {
      const p = hub.mqttPort;
      const raiser = await TestDevice.connect(p, 'radio-coop', 'radio-coop-secret-for-tests');
      let boots = await TestDevice.connect(p, 'radio-boots', 'radio-boots-secret-for-tests');
      await boots.subscribe(topics.zoneAlerts('town', 'north'));
      await raiser.publish(topics.alertRaise('town'), { type: 'shoplifting', severity: 'low', clientRef: 'before' });
      const before = await boots.waitForEvent('raised');
      await boots.publish(topics.alertReceipt('town', before.alert.id), {});
      await sleep(200);
      await boots.end();

      // While the Boots radio is off: a raise, an ack and a close in its zone, and one elsewhere.
      await raiser.publish(topics.alertRaise('town'), { type: 'violence', severity: 'high', clientRef: 'missed-1' });
      await raiser.publish(topics.alertRaise('town'), { type: 'suspicious', severity: 'low', clientRef: 'missed-2' });
      const tesco = await TestDevice.connect(p, 'radio-tesco', 'radio-tesco-secret-for-tests');
      await tesco.publish(topics.alertRaise('town'), { type: 'shoplifting', severity: 'low', clientRef: 'other-zone' });
      const token = await import('./support/hub').then((m) => m.login(hub.http, 'operator', 'operator-password'));
      const list = (await (
        await fetch(`${hub.http}/api/alerts`, { headers: { authorization: `Bearer ${token}` } })
      ).json()) as any[];
      const m1 = list.find((a) => a.clientRef === 'missed-1');
      await raiser.publish(topics.alertAck('town', m1.id), { status: 'attending' });
      await raiser.publish(topics.alertClose('town', m1.id), { outcome: 'left-area' });
      await sleep(300);

      boots = await TestDevice.connect(p, 'radio-boots', 'radio-boots-secret-for-tests');
      await boots.subscribe(topics.zoneAlerts('town', 'north'));
      await sleep(800);
      const got = boots.events();
      expect(got.map((e) => [e.alert.clientRef, e.event])).toEqual([
        ['missed-1', 'raised'],
        ['missed-2', 'raised'],
        ['missed-1', 'acknowledged'],
        ['missed-1', 'closed'],
      ]);
      expect(got.every((e) => e.replay === true)).toBe(true);
      const seqs = got.map((e) => e.seq);
      expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);

      // Receipted events are not sent again on the next reconnect; unreceipted ones are.
      for (const e of got.slice(0, 3))
        await boots.publish(topics.alertReceipt('town', e.alert.id), { eventSeq: e.seq });
      await sleep(200);
      await boots.end();
      boots = await TestDevice.connect(p, 'radio-boots', 'radio-boots-secret-for-tests');
      await boots.subscribe(topics.zoneAlerts('town', 'north'));
      await sleep(800);
      expect(boots.events().map((e) => [e.alert.clientRef, e.event])).toEqual([['missed-1', 'closed']]);
      await Promise.all([boots.end(), raiser.end(), tesco.end()]);
    } finally {
      await hub.stop();
    }
  });
});

/** Runs `npm run hub`'s entry point as a real child process, so it can be SIGKILLed. */
function spawnHub(dataDir: string, seed: string, mqttPort: number, httpPort: number): ChildProcess {
  // `node --import tsx` runs the hub in this one process, so SIGKILL really kills the hub
  // (the tsx CLI would leave its child running).
  return spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'hub/src/main.ts')], {
    cwd: ROOT,
    env: {
      ...process.env,
      SHOPWATCH_DATA_DIR: dataDir,
      SHOPWATCH_SEED: seed,
      SHOPWATCH_MQTT_PORT: String(mqttPort),
      SHOPWATCH_HTTP_PORT: String(httpPort),
      SHOPWATCH_HOST: '127.0.0.1',
      SHOPWATCH_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
}

async function waitReady(httpPort: number, timeoutMs = 30_000) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    try {
      if ((await fetch(`http://127.0.0.1:${httpPort}/readyz`)).status === 200) return;
    } catch {}
    await sleep(100);
  }
  throw new Error('hub did not become ready');
}

describe('catch-up across a hub crash', () => {
  let child: ChildProcess | null = null;
  afterAll(() => void child?.kill('SIGKILL'));

  it('loses nothing acknowledged when the hub is SIGKILLed, and catches devices up after restart', async () => {
    const dir = tempDir();
    const seed = writeSeed(dir, testScheme());
    const [mqttPort, httpPort] = [await freePort(), await freePort()];
    child = spawnHub(dir, seed, mqttPort, httpPort);
    await waitReady(httpPort);

    const raiser = await TestDevice.connect(mqttPort, 'radio-coop', 'radio-coop-secret-for-tests');
    // 20 raises, each acknowledged (PUBACK) by the hub before the next is sent.
    for (let i = 0; i < 20; i++)
      await raiser.publish(topics.alertRaise('town'), {
        type: 'shoplifting',
        severity: 'low',
        clientRef: `crash-${i}`,
      });
    child.kill('SIGKILL');
    await new Promise((r) => child!.once('exit', r));
    raiser.client.end(true);
    // The port is free again only if the hub process is really gone.
    await expect(fetch(`http://127.0.0.1:${httpPort}/healthz`)).rejects.toThrow();

    child = spawnHub(dir, seed, mqttPort, httpPort);
    await waitReady(httpPort);
    const boots = await TestDevice.connect(mqttPort, 'radio-boots', 'radio-boots-secret-for-tests');
    await boots.subscribe(topics.zoneAlerts('town', 'north'));
    const deadline = Date.now() + 5000;
    while (boots.events().length < 20 && Date.now() < deadline) await sleep(50);
    await sleep(300);
    const got = boots.events().map((e) => AlertEvent.parse(e));
    expect(got.map((e) => e.alert.clientRef)).toEqual(Array.from({ length: 20 }, (_, i) => `crash-${i}`));
    expect(new Set(got.map((e) => e.seq)).size).toBe(20);
    await boots.end();
    child.kill('SIGTERM');
    await new Promise((r) => child!.once('exit', r));
    child = null;
  }, 90_000);
});
