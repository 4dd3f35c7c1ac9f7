/**
 * `npm run bench:fleet` (also part of `npm run bench:hub`): the hub at fleet scale.
 *
 * For 5,000 and 10,000 provisioned radios (BENCH_FLEETS=5000,10000), one real hub process:
 *  - start-up: time to /readyz 200 on the first start (initial apply of every secret), on a
 *    restart, and after a SIGKILL;
 *  - reconnect storm: every radio connecting and subscribing at once (clients in their own
 *    process), wall time and the hub's CPU seconds, and a connected radio's raise PUBACKs meanwhile;
 *  - listing: raise PUBACKs while the console lists 500 alerts, beside the same with no listing.
 * Printed beside the figures measured before this work (issue 18), written to
 * bench/results/hub-fleet.json.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { topics } from '@shopwatch/protocols';
import { machine } from './lib/proc';
import { freePort } from '../test/support/ports';
import { writeSeed } from '../test/support/hub';
import {
  cpuSeconds,
  fleetProvisioning,
  fleetSecret,
  killHub,
  percentile,
  spawnHub,
  stormInChild,
  timeUntilReady,
} from '../test/support/fleet';

const ROOT = path.resolve(import.meta.dirname, '../..');
const FLEETS = (process.env.BENCH_FLEETS ?? '5000,10000').split(',').map(Number);
const log = (...a: unknown[]) => console.error('[bench:fleet]', ...a);

/** What issue 18 measured before this work, at 5,000 devices (python3-paho clients, same machine). */
const BEFORE_5000 = {
  startSeconds: '70–96',
  afterSigkillSeconds: 94.6,
  connectsPerSecond: '48–68',
  raisePubackWhileListingMs: 360,
  raisePubackQuietMs: 3.4,
  listingOf50Seconds: '0.40–0.42',
};

const stats = (xs: number[]) => ({
  n: xs.length,
  p50: +percentile(xs, 50).toFixed(1),
  p99: +percentile(xs, 99).toFixed(1),
  max: +Math.max(...xs).toFixed(1),
});

function raiseLoop(raiser: MqttClient, tag: string, everyMs: number) {
  const times: number[] = [];
  let stopped = false;
  const done = (async () => {
    for (let i = 0; !stopped; i++) {
      const t0 = performance.now();
      await raiser.publishAsync(
        topics.alertRaise('fleet'),
        JSON.stringify({ type: 'shoplifting', severity: 'low', clientRef: `${tag}-${i}` }),
        { qos: 1 },
      );
      times.push(performance.now() - t0);
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return { times, stop: async () => ((stopped = true), await done, stats(times)) };
}

async function fleet(n: number) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shopwatch-fleet-'));
  const seed = writeSeed(dir, fleetProvisioning(n));
  const [mqttPort, httpPort] = [await freePort(), await freePort()];
  let child = spawnHub(dir, seed, mqttPort, httpPort);
  const firstStartMs = await timeUntilReady(httpPort, 600_000);
  await killHub(child, 'SIGTERM');
  child = spawnHub(dir, seed, mqttPort, httpPort);
  const restartMs = await timeUntilReady(httpPort);
  await killHub(child, 'SIGKILL');
  child = spawnHub(dir, seed, mqttPort, httpPort);
  const afterSigkillMs = await timeUntilReady(httpPort);
  log(n, 'devices: ready after', { firstStartMs, restartMs, afterSigkillMs });

  const connect = (id: string) =>
    mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, {
      username: id,
      password: fleetSecret(id),
      clientId: `${id}-bench`,
      reconnectPeriod: 0,
    });
  // Raises from a zone without storm radios: they measure the hub, not fan-out to the storm.
  const quietRaiser = await connect('raiser-q');
  const quietLoop = raiseLoop(quietRaiser, 'quiet', 50);
  await new Promise((r) => setTimeout(r, 2000));
  const quiet = await quietLoop.stop();
  const cpu0 = cpuSeconds(child.pid!);
  const stormLoop = raiseLoop(quietRaiser, 'storm', 50);
  const s = await stormInChild(mqttPort, 0, n);
  const duringStorm = await stormLoop.stop();
  const stormCpu = cpuSeconds(child.pid!) - cpu0;
  await s.end();
  await quietRaiser.endAsync();
  const raiser = await connect('raiser-z0');
  log(n, 'devices: storm', { served: s.served, ms: s.ms, retries: s.retries, stormCpu });

  for (let i = 0; i < 500; i++) {
    await raiser.publishAsync(
      topics.alertRaise('fleet'),
      JSON.stringify({ type: 'shoplifting', severity: 'low', clientRef: `list-${i}` }),
      { qos: 1 },
    );
  }
  const http = `http://127.0.0.1:${httpPort}`;
  const login = await fetch(`${http}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'operator', password: 'fleet-operator-password' }),
  });
  const { token } = (await login.json()) as { token: string };
  const listMs: number[] = [];
  let bytes = 0;
  let listing = true;
  const busyLoop = raiseLoop(raiser, 'busy', 10);
  const lister = (async () => {
    while (listing) {
      const t0 = performance.now();
      const res = await fetch(`${http}/api/alerts?limit=500`, { headers: { authorization: `Bearer ${token}` } });
      bytes = (await res.arrayBuffer()).byteLength; // not parsed: that would delay this process's PUBACK timing
      listMs.push(performance.now() - t0);
    }
  })();
  await new Promise((r) => setTimeout(r, 8000));
  const whileListing = await busyLoop.stop();
  listing = false;
  await lister;
  await raiser.endAsync();
  await killHub(child, 'SIGTERM');
  fs.rmSync(dir, { recursive: true, force: true });
  return {
    devices: n,
    startup: {
      firstStartMs: Math.round(firstStartMs),
      restartMs: Math.round(restartMs),
      afterSigkillMs: Math.round(afterSigkillMs),
    },
    storm: {
      served: s.served,
      failures: s.failures,
      retries: s.retries,
      wallMs: Math.round(s.ms),
      hubCpuSeconds: +stormCpu.toFixed(1),
      connectsPerSecond: Math.round(s.served / (s.ms / 1000)),
      raisePubackMs: duringStorm,
    },
    listing: {
      listings: listMs.length,
      listingMs: stats(listMs),
      bytes,
      raisePubackMs: whileListing,
      quietRaisePubackMs: quiet,
    },
  };
}

async function main() {
  const results: Awaited<ReturnType<typeof fleet>>[] = [];
  for (const n of FLEETS) results.push(await fleet(n));
  console.log(
    `\nShopWatch hub at fleet scale — ${machine().cpus} × ${machine().model}, load average ` +
      `${os.loadavg()[0]!.toFixed(1)}\n`,
  );
  console.log(`| measure | before (5,000, issue 18) | ${results.map((r) => `${r.devices} devices`).join(' | ')} |`);
  console.log(`|---|---:|${results.map(() => '---:').join('|')}|`);
  const row = (name: string, before: unknown, pick: (r: (typeof results)[number]) => unknown) =>
    console.log(`| ${name} | ${before} | ${results.map(pick).join(' | ')} |`);
  row('first start, /readyz 200 (s)', BEFORE_5000.startSeconds, (r) => (r.startup.firstStartMs / 1000).toFixed(1));
  row('restart, /readyz 200 (s)', BEFORE_5000.startSeconds, (r) => (r.startup.restartMs / 1000).toFixed(1));
  row('after SIGKILL, /readyz 200 (s)', BEFORE_5000.afterSigkillSeconds, (r) =>
    (r.startup.afterSigkillMs / 1000).toFixed(1),
  );
  row(
    'reconnect storm, all served (s)',
    '–',
    (r) => `${(r.storm.wallMs / 1000).toFixed(1)} (${r.storm.served} served)`,
  );
  row('storm: hub CPU (s)', '–', (r) => r.storm.hubCpuSeconds);
  row('storm: connects/s', BEFORE_5000.connectsPerSecond, (r) => r.storm.connectsPerSecond);
  row('storm: raise PUBACK p50 / p99 (ms)', '–', (r) => `${r.storm.raisePubackMs.p50} / ${r.storm.raisePubackMs.p99}`);
  row(
    'quiet: raise PUBACK p50 / p99 (ms)',
    BEFORE_5000.raisePubackQuietMs,
    (r) => `${r.listing.quietRaisePubackMs.p50} / ${r.listing.quietRaisePubackMs.p99}`,
  );
  row(
    'listing 500 alerts: raise PUBACK p50 / p99 (ms)',
    `~${BEFORE_5000.raisePubackWhileListingMs} (50 alerts)`,
    (r) => `${r.listing.raisePubackMs.p50} / ${r.listing.raisePubackMs.p99}`,
  );
  row(
    'listing 500 alerts: response p50 (ms)',
    `${BEFORE_5000.listingOf50Seconds} s (50 alerts)`,
    (r) => r.listing.listingMs.p50,
  );
  const out = {
    date: new Date().toISOString(),
    machine: machine(),
    loadAverage: os.loadavg(),
    before5000: BEFORE_5000,
    results,
  };
  const file = path.join(ROOT, 'bench/results/hub-fleet.json');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
  console.log(`\nwrote ${path.relative(process.cwd(), file)}`);
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
