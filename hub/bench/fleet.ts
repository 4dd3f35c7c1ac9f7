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
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { topics } from '@shopwatch/protocols';
import { machine, threadCpuSeconds } from './lib/proc';
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
/** BENCH_PHASES=listing runs the first start and the listing phase only (restarts and storm skipped). */
const PHASES = new Set((process.env.BENCH_PHASES ?? 'startup,storm,listing').split(','));
/** How long each half of the listing phase runs (ms), in windows of WINDOW_MS taken in turn. */
const LISTING_MS = Number(process.env.BENCH_LISTING_MS ?? 8000);
const WINDOW_MS = 1000;
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

/** A reconnect storm of every radio (clients in their own process) while a connected radio raises. */
async function stormPhase(n: number, mqttPort: number, hubPid: number, quietRaiser: MqttClient) {
  // Raises from a zone without storm radios: they measure the hub, not fan-out to the storm.
  const quietLoop = raiseLoop(quietRaiser, 'quiet', 50);
  await new Promise((r) => setTimeout(r, 2000));
  const quiet = await quietLoop.stop();
  const cpu0 = cpuSeconds(hubPid);
  const stormLoop = raiseLoop(quietRaiser, 'storm', 50);
  const s = await stormInChild(mqttPort, 0, n);
  const duringStorm = await stormLoop.stop();
  const stormCpu = cpuSeconds(hubPid) - cpu0;
  await s.end();
  await quietRaiser.endAsync();
  log(n, 'devices: storm', { served: s.served, ms: s.ms, retries: s.retries, stormCpu });
  return {
    served: s.served,
    failures: s.failures,
    retries: s.retries,
    wallMs: Math.round(s.ms),
    hubCpuSeconds: +stormCpu.toFixed(1),
    connectsPerSecond: Math.round(s.served / (s.ms / 1000)),
    raisePubackMs: duringStorm,
    quietRaisePubackMs: quiet,
  };
}

async function fleet(n: number) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shopwatch-fleet-'));
  const seed = writeSeed(dir, fleetProvisioning(n));
  const [mqttPort, httpPort] = [await freePort(), await freePort()];
  let child = spawnHub(dir, seed, mqttPort, httpPort);
  const firstStartMs = await timeUntilReady(httpPort, 600_000);
  let startup = { firstStartMs: Math.round(firstStartMs), restartMs: NaN, afterSigkillMs: NaN };
  if (PHASES.has('startup')) {
    await killHub(child, 'SIGTERM');
    child = spawnHub(dir, seed, mqttPort, httpPort);
    const restartMs = await timeUntilReady(httpPort);
    await killHub(child, 'SIGKILL');
    child = spawnHub(dir, seed, mqttPort, httpPort);
    const afterSigkillMs = await timeUntilReady(httpPort);
    startup = { ...startup, restartMs: Math.round(restartMs), afterSigkillMs: Math.round(afterSigkillMs) };
  }
  log(n, 'devices: ready after', startup);

  const connect = (id: string) =>
    mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, {
      username: id,
      password: fleetSecret(id),
      clientId: `${id}-bench`,
      reconnectPeriod: 0,
    });
  const storm = PHASES.has('storm') ? await stormPhase(n, mqttPort, child.pid!, await connect('raiser-q')) : null;
  const listing = PHASES.has('listing') ? await listingPhase(await connect('raiser-z0'), httpPort, child.pid!) : null;
  await killHub(child, 'SIGTERM');
  fs.rmSync(dir, { recursive: true, force: true });
  return { devices: n, startup, storm, listing };
}

/** The console (lister-child.ts) in its own process: `go`, `pause` (resolves once idle), `end`. */
function listerInChild(http: string, token: string) {
  const script = path.join(import.meta.dirname, 'lib/lister-child.ts');
  // A session of its own (detached): Linux's autogroup scheduling then shares the CPU between it
  // and the hub as between two programs, as a console on another machine would not take the
  // hub's share at all. It still ends when this process does (its stdin closes).
  const child = spawn(process.execPath, ['--import', 'tsx', script, http, token], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'inherit'],
    detached: true,
  });
  let out = '';
  let idle: (() => void) | null = null;
  child.stdout!.on('data', (d) => {
    out += d;
    if (out.endsWith('idle\n')) (out = ''), idle?.();
  });
  const exited = new Promise((r) => child.once('exit', r));
  return {
    go: () => child.stdin!.write('go\n'),
    pause: () => new Promise<void>((r) => ((idle = r), child.stdin!.write('pause\n'))),
    end: async () => {
      child.stdin!.end('end\n');
      await exited;
      return JSON.parse(out) as { ms: number[]; bytes: number; wireBytes: number; statuses: Record<string, number> };
    },
  };
}

/**
 * Raise PUBACKs of one radio raising every 10 ms into a zone of n/10 radios with 500 alerts stored,
 * in one-second windows that alternate between no listing (the baseline) and a console in another
 * process listing 500 alerts back to back. Same radio, same pace, same length, and interleaved, so
 * that the load of a shared machine, which drifts over seconds, weighs on both sides alike: the
 * ratio of the two is the listing's cost.
 */
async function listingPhase(raiser: MqttClient, httpPort: number, hubPid: number) {
  // The machine is shared: its load beside each figure says how much of a tail is the neighbours'.
  const loadBefore = os.loadavg();
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
  const lister = listerInChild(http, token);
  // CPU of the hub's event loop (its main thread) and of the whole hub, summed over each side.
  const cpu = () => ({ loop: threadCpuSeconds(hubPid), hub: cpuSeconds(hubPid), at: performance.now() });
  const side = () => ({ times: [] as number[], loop: 0, hub: 0, seconds: 0 });
  const quiet = side();
  const busy = side();
  const window = async (into: ReturnType<typeof side>, tag: string) => {
    const c0 = cpu();
    const loop = raiseLoop(raiser, tag, 10);
    await new Promise((r) => setTimeout(r, WINDOW_MS));
    await loop.stop();
    const c1 = cpu();
    into.times.push(...loop.times);
    into.loop += c1.loop - c0.loop;
    into.hub += c1.hub - c0.hub;
    into.seconds += (c1.at - c0.at) / 1000;
  };
  for (let w = 0; w < LISTING_MS / WINDOW_MS; w++) {
    await window(quiet, `quiet-${w}`);
    lister.go();
    await window(busy, `busy-${w}`);
    await lister.pause();
  }
  const console_ = await lister.end();
  await raiser.endAsync();
  const share = (x: ReturnType<typeof side>) => ({
    eventLoopCpuShare: +(x.loop / x.seconds).toFixed(3),
    hubCpuShare: +(x.hub / x.seconds).toFixed(3),
  });
  const [q, b] = [stats(quiet.times), stats(busy.times)];
  return {
    listings: console_.ms.length,
    statuses: console_.statuses,
    listingMs: stats(console_.ms),
    bytes: console_.bytes,
    wireBytes: console_.wireBytes,
    raisePubackMs: b,
    quietRaisePubackMs: q,
    p99Ratio: +(b.p99 / q.p99).toFixed(2),
    loadAverage: { before: loadBefore, after: os.loadavg() },
    cpuQuiet: share(quiet),
    cpuWhileListing: share(busy),
  };
}

async function main() {
  const loadAverageBefore = os.loadavg();
  const results: Awaited<ReturnType<typeof fleet>>[] = [];
  for (const n of FLEETS) results.push(await fleet(n));
  const { cpus, model } = machine();
  const load = `load average ${loadAverageBefore[0]!.toFixed(1)} before, ${os.loadavg()[0]!.toFixed(1)} after`;
  console.log(`\nShopWatch hub at fleet scale — ${cpus} × ${model}, ${load}\n`);
  console.log(`| measure | before (5,000, issue 18) | ${results.map((r) => `${r.devices} devices`).join(' | ')} |`);
  console.log(`|---|---:|${results.map(() => '---:').join('|')}|`);
  const row = (name: string, before: unknown, pick: (r: (typeof results)[number]) => unknown) =>
    console.log(`| ${name} | ${before} | ${results.map(pick).join(' | ')} |`);
  const sec = (ms: number) => (Number.isNaN(ms) ? '–' : (ms / 1000).toFixed(1));
  const p50p99 = (x: { p50: number; p99: number } | undefined) => (x ? `${x.p50} / ${x.p99}` : '–');
  row('first start, /readyz 200 (s)', BEFORE_5000.startSeconds, (r) => sec(r.startup.firstStartMs));
  row('restart, /readyz 200 (s)', BEFORE_5000.startSeconds, (r) => sec(r.startup.restartMs));
  row('after SIGKILL, /readyz 200 (s)', BEFORE_5000.afterSigkillSeconds, (r) => sec(r.startup.afterSigkillMs));
  row('reconnect storm, all served (s)', '–', (r) =>
    r.storm ? `${sec(r.storm.wallMs)} (${r.storm.served} served)` : '–',
  );
  row('storm: hub CPU (s)', '–', (r) => r.storm?.hubCpuSeconds ?? '–');
  row('storm: connects/s', BEFORE_5000.connectsPerSecond, (r) => r.storm?.connectsPerSecond ?? '–');
  row('storm: raise PUBACK p50 / p99 (ms)', '–', (r) => p50p99(r.storm?.raisePubackMs));
  row('quiet zone, every 50 ms: raise PUBACK p50 / p99 (ms)', BEFORE_5000.raisePubackQuietMs, (r) =>
    p50p99(r.storm?.quietRaisePubackMs),
  );
  row('no listing, every 10 ms: raise PUBACK p50 / p99 (ms)', '–', (r) => p50p99(r.listing?.quietRaisePubackMs));
  row(
    'listing 500 alerts, every 10 ms: raise PUBACK p50 / p99 (ms)',
    `~${BEFORE_5000.raisePubackWhileListingMs} (50 alerts)`,
    (r) => p50p99(r.listing?.raisePubackMs),
  );
  row('listing / no listing: raise PUBACK p99 ratio', '–', (r) => r.listing?.p99Ratio ?? '–');
  const load1 = (l: number[]) => l[0]!.toFixed(1);
  row('listing phase: load average (1 min) before / after', '–', (r) =>
    r.listing ? `${load1(r.listing.loadAverage.before)} / ${load1(r.listing.loadAverage.after)}` : '–',
  );
  row('no listing / listing: hub event loop CPU (share of a core)', '–', (r) =>
    r.listing ? `${r.listing.cpuQuiet.eventLoopCpuShare} / ${r.listing.cpuWhileListing.eventLoopCpuShare}` : '–',
  );
  row('no listing / listing: hub CPU, all threads (share of a core)', '–', (r) =>
    r.listing ? `${r.listing.cpuQuiet.hubCpuShare} / ${r.listing.cpuWhileListing.hubCpuShare}` : '–',
  );
  row('listing 500 alerts: listings served', '–', (r) => r.listing?.listings ?? '–');
  row('listing 500 alerts: JSON / on the wire (MB)', '–', (r) =>
    r.listing ? `${(r.listing.bytes / 1e6).toFixed(2)} / ${(r.listing.wireBytes / 1e6).toFixed(2)}` : '–',
  );
  row(
    'listing 500 alerts: response p50 (ms)',
    `${BEFORE_5000.listingOf50Seconds} s (50 alerts)`,
    (r) => r.listing?.listingMs.p50 ?? '–',
  );
  const out = {
    date: new Date().toISOString(),
    machine: machine(),
    loadAverageBefore,
    loadAverage: os.loadavg(),
    before5000: BEFORE_5000,
    results,
  };
  if (PHASES.size < 3) {
    // A partial run is for investigation: printed, never recorded as the benchmark's figures.
    console.log(JSON.stringify(out, null, 2));
    process.exit(0);
  }
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
