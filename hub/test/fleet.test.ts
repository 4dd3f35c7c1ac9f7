import type { ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import mqtt, { type MqttClient } from 'mqtt';
import { topics } from '@shopwatch/protocols';
import { freePort } from './support/ports';
import { tempDir, writeSeed } from './support/hub';
import {
  cpuSeconds,
  fleetProvisioning,
  fleetSecret,
  killHub,
  percentile,
  spawnHub,
  stormInChild,
  timeUntilReady,
} from './support/fleet';

const RADIOS = 5000;

/** Raises an alert every `everyMs` until stopped; returns each raise's PUBACK time in ms. */
function raiseLoop(raiser: MqttClient, tag: string, everyMs: number) {
  const times: number[] = [];
  let stopped = false;
  const done = (async () => {
    for (let i = 0; !stopped; i++) {
      const t0 = performance.now();
      await raiser.publishAsync(topics.alertRaise('fleet'), raise(`${tag}-${i}`), { qos: 1 });
      times.push(performance.now() - t0);
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return { times, stop: async () => ((stopped = true), await done) };
}

const connectRaiser = (mqttPort: number, id = 'raiser-z0') =>
  mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, {
    username: id,
    password: fleetSecret(id),
    clientId: `${id}-fleet`,
    reconnectPeriod: 0,
  });

const raise = (clientRef: string) => JSON.stringify({ type: 'shoplifting', severity: 'low', clientRef });
const summary = (xs: number[]) => ({
  n: xs.length,
  p50: +percentile(xs, 50).toFixed(1),
  p99: +percentile(xs, 99).toFixed(1),
  max: +Math.max(...xs).toFixed(1),
});

describe(`a hub with ${RADIOS} radios`, () => {
  const dir = tempDir('shopwatch-fleet-');
  const seed = writeSeed(dir, fleetProvisioning(RADIOS));
  let child: ChildProcess | null = null;
  let ports: [number, number];
  afterAll(async () => {
    if (child) await killHub(child);
  });

  it('is listening and ready within 5 s of start, after the first apply and after a SIGKILL', async () => {
    ports = [await freePort(), await freePort()];
    child = spawnHub(dir, seed, ...ports);
    const first = await timeUntilReady(ports[1]);
    await killHub(child, 'SIGTERM');
    child = spawnHub(dir, seed, ...ports);
    const again = await timeUntilReady(ports[1]);
    await killHub(child, 'SIGKILL');
    child = spawnHub(dir, seed, ...ports);
    const afterKill = await timeUntilReady(ports[1]);
    console.log(
      `[fleet] ${RADIOS} devices: first start with initial apply ${first.toFixed(0)} ms,`,
      `restart ${again.toFixed(0)} ms, after SIGKILL ${afterKill.toFixed(0)} ms`,
    );
    expect(again).toBeLessThan(5000);
    expect(afterKill).toBeLessThan(5000);
  }, 90_000);

  it(`serves a storm of ${RADIOS} reconnecting radios in 30 s while a connected radio's raises go on`, async () => {
    const raiser = await connectRaiser(ports[0], 'raiser-q');
    const before = raiseLoop(raiser, 'calm', 50);
    await new Promise((r) => setTimeout(r, 1000));
    await before.stop();
    const cpu0 = cpuSeconds(child!.pid!);
    const during = raiseLoop(raiser, 'storm', 50);
    const s = await stormInChild(ports[0], 0, RADIOS);
    await during.stop();
    const cpu = cpuSeconds(child!.pid!) - cpu0;
    console.log(
      `[fleet] storm of ${RADIOS}: ${s.served} served in ${s.ms.toFixed(0)} ms wall (${s.retries} retries),`,
      `hub CPU ${cpu.toFixed(1)} s;`,
      'raise PUBACK ms before',
      summary(before.times),
      'during',
      summary(during.times),
    );
    expect(s.failures).toEqual([]);
    expect(s.served).toBe(RADIOS);
    // The 30 s target is for this 2-core machine when it is not shared: the hub must need less
    // than 30 s of CPU for the whole storm; wall time on a box shared with other test runs varies.
    expect(cpu).toBeLessThan(30);
    expect(s.ms).toBeLessThan(120_000);
    // Admission control: raises kept being acknowledged all through the storm, not only after it.
    expect(during.times.length).toBeGreaterThan(s.ms / 50 / 10);
    expect(percentile(during.times, 50)).toBeLessThan(500);
    await s.end();
    await raiser.endAsync();
  }, 150_000);

  it('acknowledges raises quickly while the console lists 500 alerts', async () => {
    const raiser = await connectRaiser(ports[0]);
    for (let i = 0; i < 500; i++) {
      await raiser.publishAsync(topics.alertRaise('fleet'), raise(`list-${i}`), { qos: 1 });
    }
    const http = `http://127.0.0.1:${ports[1]}`;
    const login = await fetch(`${http}/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'operator', password: 'fleet-operator-password' }),
    });
    const { token } = (await login.json()) as { token: string };
    const quiet = raiseLoop(raiser, 'quiet', 10);
    await new Promise((r) => setTimeout(r, 1500));
    await quiet.stop();
    // Checked once; the loop below only reads the bytes, so parsing a large JSON body in this
    // process does not delay the PUBACKs this test measures.
    const list = async () => fetch(`${http}/api/alerts?limit=500`, { headers: { authorization: `Bearer ${token}` } });
    const page = (await (await list()).json()) as { undelivered: string[] }[];
    expect(page).toHaveLength(500);
    expect(page[0]!.undelivered).toHaveLength(RADIOS / 10 + 2); // the zone's radios, its raiser, the control room
    let listings = 0;
    let listing = true;
    const lister = (async () => {
      while (listing) {
        const res = await list();
        expect(res.status).toBe(200);
        expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(500 * 1000);
        listings++;
      }
    })();
    const busy = raiseLoop(raiser, 'busy', 10);
    await new Promise((r) => setTimeout(r, 4000));
    await busy.stop();
    listing = false;
    await lister;
    console.log(
      `[fleet] raise PUBACK ms at ${RADIOS} devices: quiet`,
      summary(quiet.times),
      `while listing 500 alerts (${listings} listings)`,
      summary(busy.times),
    );
    expect(listings).toBeGreaterThan(0);
    // Before recipient indexing and time slicing, one listing held the event loop for seconds
    // (0.4 s for 50 alerts at 5,000 devices): every raise meanwhile waited that long. The 10 ms
    // target is measured by the benchmark; here the margin allows for a box shared with other runs.
    expect(percentile(busy.times, 99)).toBeLessThan(Math.max(250, 3 * percentile(quiet.times, 99)));
    await raiser.endAsync();
  }, 90_000);
});
