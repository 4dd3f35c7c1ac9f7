import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { topics } from '@shopwatch/protocols';
import { login, tempDir, testScheme, writeSeed } from './support/hub';
import { TestDevice, sleep } from './support/mqtt';
import { freePort } from './support/ports';
import { waitReady } from './support/hub-process';

const ROOT = path.resolve(import.meta.dirname, '../..');
const DRAIN_SECONDS = 3;

function startHubProcess(dataDir: string, seed: string, mqttPort: number, httpPort: number, drain: number) {
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
      SHOPWATCH_DRAIN_SECONDS: String(drain),
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
}

/** Resolves true if a TCP connection to the port is accepted, false if refused. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

/**
 * Issue 14: a replica that is told to stop (SIGTERM from an orchestrator) must first leave the
 * front door's rotation — /readyz 503 while it still serves — and only then close, so devices
 * move to another replica without an error and nothing they were acknowledged is lost.
 */
describe('draining a hub on SIGTERM', () => {
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const c of children) c.kill('SIGKILL');
  });

  it('answers /readyz 503 at once, keeps serving for the drain period, then closes and exits 0', async () => {
    const dir = tempDir();
    const seed = writeSeed(dir, testScheme());
    const [mqttPort, httpPort] = [await freePort(), await freePort()];
    const http = `http://127.0.0.1:${httpPort}`;
    const child = startHubProcess(dir, seed, mqttPort, httpPort, DRAIN_SECONDS);
    children.push(child);
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    await waitReady(httpPort);

    const radio = await TestDevice.connect(mqttPort, 'radio-boots', 'radio-boots-secret-for-tests');
    await radio.subscribe(topics.zoneAlerts('town', 'north'));
    let radioClosedAt = 0;
    radio.client.on('close', () => (radioClosedAt ||= performance.now()));

    const t0 = performance.now();
    child.kill('SIGTERM');
    // The health check sees it within one poll.
    let ready = await fetch(`${http}/readyz`);
    for (let i = 0; ready.status === 200 && i < 20; i++) {
      await sleep(25);
      ready = await fetch(`${http}/readyz`);
    }
    expect(ready.status).toBe(503);
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(await ready.json()).toMatchObject({ status: 'failing', checks: { lifecycle: 'draining' } });

    // Still serving: liveness, the API, a new MQTT connection, an alert raised and acknowledged.
    expect((await fetch(`${http}/healthz`)).status).toBe(200);
    const token = await login(http, 'operator', 'operator-password');
    const late = await TestDevice.connect(mqttPort, 'radio-coop', 'radio-coop-secret-for-tests');
    await late.subscribe(topics.zoneAlerts('town', 'north'));
    await radio.publish(topics.alertRaise('town'), { type: 'shoplifting', severity: 'high', clientRef: 'drain-1' });
    const raised = await late.waitForEvent('raised');
    expect(performance.now() - t0).toBeLessThan(DRAIN_SECONDS * 1000 - 500);
    expect(radioClosedAt).toBe(0);

    // Then the listeners close: connected devices are let go (to reconnect elsewhere), the
    // process exits 0, and the ports take nothing more.
    const code = await Promise.race([exited, sleep(DRAIN_SECONDS * 1000 + 15_000).then(() => 'timeout')]);
    expect(code).toBe(0);
    expect(radioClosedAt).toBeGreaterThan(0);
    expect(radioClosedAt - t0).toBeGreaterThanOrEqual(DRAIN_SECONDS * 1000 - 100);
    expect(await accepts(mqttPort)).toBe(false);
    expect(await accepts(httpPort)).toBe(false);
    await Promise.all([radio.end(), late.end()].map((p) => p.catch(() => undefined)));

    // The alert acknowledged during the drain is in storage: a restarted hub lists it.
    const again = startHubProcess(dir, seed, mqttPort, httpPort, 0);
    children.push(again);
    await waitReady(httpPort);
    const token2 = await login(http, 'operator', 'operator-password');
    expect(token2).not.toBe(token);
    const list = (await (
      await fetch(`${http}/api/alerts`, { headers: { authorization: `Bearer ${token2}` } })
    ).json()) as { id: string }[];
    expect(list.map((a) => a.id)).toContain(raised.alert.id);
    again.kill('SIGTERM'); // drain 0: stops at once
    expect(await new Promise((r) => again.on('exit', (c) => r(c)))).toBe(0);
  }, 90_000);
});
