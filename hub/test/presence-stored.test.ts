import type { ChildProcess } from 'node:child_process';
import { type DeviceSummary, topics } from '@shopwatch/protocols';
import { afterAll, describe, expect, it } from 'vitest';
import { login, startTestHub, tempDir, testScheme, writeSeed } from './support/hub';
import { spawnHub, waitReady } from './support/hub-process';
import { TestDevice, sleep } from './support/mqtt';
import { freePort } from './support/ports';

const BOOTS = ['radio-boots', 'radio-boots-secret-for-tests'] as const;
const STATUS = topics.deviceStatus('town', 'radio-boots');

/** The control-room tablet, recording every status of radio-boots it receives (retained first). */
async function watcher(port: number) {
  const control = await TestDevice.connect(port, 'control-room', 'control-room-secret-for-tests');
  await control.subscribe(STATUS);
  const statuses = () => control.messages.filter((m) => m.topic === STATUS).map((m) => m.json.status as string);
  return { control, statuses };
}

async function listedStatus(http: string, token: string) {
  const res = await fetch(`${http}/api/devices`, { headers: { authorization: `Bearer ${token}` } });
  const list = (await res.json()) as DeviceSummary[];
  return list.find((d) => d.id === 'radio-boots')?.status;
}

async function waitForStatus(statuses: () => string[], count: number, ms = 5000) {
  const end = Date.now() + ms;
  while (statuses().length < count && Date.now() < end) await sleep(50);
}

describe('presence from stored connection counts', () => {
  it('keeps a device with two connections online when one of them drops', async () => {
    const hub = await startTestHub();
    try {
      const { control, statuses } = await watcher(hub.mqttPort);
      await waitForStatus(statuses, 1); // the retained offline of the start
      const first = await TestDevice.connect(hub.mqttPort, ...BOOTS);
      await control.waitFor((m) => m.topic === STATUS && m.json.status === 'online');
      const second = await TestDevice.connect(hub.mqttPort, ...BOOTS); // a reconnect before the old keep-alive ran out
      await sleep(300);
      first.client.stream.destroy(); // the old connection is lost abruptly
      await sleep(1000);
      expect(statuses()).toEqual(['offline', 'online']);
      const token = await login(hub.http, 'operator', 'operator-password');
      expect(await listedStatus(hub.http, token)).toBe('online');

      await second.end(); // the last connection: now it is offline
      await control.waitFor((m) => m.topic === STATUS && m.json.status === 'offline' && statuses().length === 3);
      expect(statuses()).toEqual(['offline', 'online', 'offline']);
      expect(await listedStatus(hub.http, token)).toBe('offline');
      await control.end();
    } finally {
      await hub.stop();
    }
  });
});

describe('presence across a hub crash', () => {
  let child: ChildProcess | null = null;
  afterAll(() => void child?.kill('SIGKILL'));

  it('shows a device offline after a SIGKILL and restart: no row of the dead process keeps it online', async () => {
    const dir = tempDir();
    const seed = writeSeed(dir, testScheme());
    const [mqttPort, httpPort] = [await freePort(), await freePort()];
    child = spawnHub(dir, seed, mqttPort, httpPort);
    await waitReady(httpPort);
    const before = await TestDevice.connect(mqttPort, ...BOOTS);
    await sleep(500); // its connection row is stored
    child.kill('SIGKILL');
    await new Promise((r) => child!.once('exit', r));
    before.client.end(true);

    child = spawnHub(dir, seed, mqttPort, httpPort);
    await waitReady(httpPort);
    const http = `http://127.0.0.1:${httpPort}`;
    const token = await login(http, 'operator', 'operator-password');
    expect(await listedStatus(http, token)).toBe('offline');
    const { control, statuses } = await watcher(mqttPort);
    await waitForStatus(statuses, 1);
    expect(statuses()).toEqual(['offline']);

    // It comes back and leaves again: a stale row would hide both changes (counts 2 and 1).
    const again = await TestDevice.connect(mqttPort, ...BOOTS);
    await control.waitFor((m) => m.topic === STATUS && m.json.status === 'online', 5000, 'online');
    expect(await listedStatus(http, token)).toBe('online');
    await again.end();
    await control.waitFor((m) => m.topic === STATUS && m.json.status === 'offline' && statuses().length === 3);
    expect(statuses()).toEqual(['offline', 'online', 'offline']);
    expect(await listedStatus(http, token)).toBe('offline');
    await control.end();
    child.kill('SIGTERM');
    await new Promise((r) => child!.once('exit', r));
    child = null;
  }, 90_000);
});
