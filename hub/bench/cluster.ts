/**
 * `npm run bench:cluster` (issue 14): one hub on SQLite beside three replicas on PostgreSQL +
 * Redis behind HAProxy, in one run, on this machine, with the same clients:
 *  - raise → the last of 1,000 radios of the zone has it: p50 / p99 over BENCH_RAISES raises;
 *  - deliveries per second with no loss: a burst of raises to the 1,000 radios, every delivery counted;
 *  - memory per connected radio per replica (RSS with the radios minus RSS before, per radio);
 *  - failover (cluster): kill -9 of one replica → every radio connected and subscribed again;
 *    `connackMs` beside it is when each moved radio had its CONNACK (the rest is mqtt.js re-sending
 *    its unacknowledged receipts, one PUBACK at a time, before it emits 'connect' and re-subscribes);
 *  - scale (cluster): radios connected across the three replicas, up to BENCH_SCALE (10,000).
 * Results in bench/results/cluster.json. Clients run in this process (mqtt.js).
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { type ProvisioningInput, topics } from '@shopwatch/protocols';
import { maxconnFor } from '../src/cluster/haproxy-config';
import { TestHubCluster } from '../../test/cluster/support/cluster';
import { exitOf, freePorts, spawnReplica, waitReady } from '../../test/cluster/support/replica';
import { fleetSecret, percentile } from '../test/support/fleet';
import { tempDir, writeSeed } from '../test/support/hub';
import { cpuByProgram, cpuSpent, machine, sample } from './lib/proc';

const ROOT = path.resolve(import.meta.dirname, '../..');
const DEVICES = Number(process.env.BENCH_DEVICES ?? 1000);
const RAISES = Number(process.env.BENCH_RAISES ?? 100);
/** Raises before the measured ones: the first of a fresh process pay for JIT and cold caches. */
const WARMUP = Number(process.env.BENCH_WARMUP ?? 5);
const BURST = Number(process.env.BENCH_BURST ?? 50);
const SCALE = Number(process.env.BENCH_SCALE ?? 10_000);
/** BENCH_RECEIPTS=0: radios never confirm (the latency is then measured once, without receipts). */
const RECEIPTS = process.env.BENCH_RECEIPTS !== '0';
/** Whether radios confirm what they receive now: the latency is measured with and without. */
let confirming = RECEIPTS;
const OUT = process.env.BENCH_OUT ?? 'bench/results/cluster.json';
const log = (...a: unknown[]) => console.error('[bench:cluster]', ...a);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One zone of DEVICES radios and a raiser, plus SCALE more radios in a quiet zone for the scale step. */
function provisioning(extra: number): ProvisioningInput {
  const radio = (id: string, store: string) => ({
    id,
    kind: 'radio' as const,
    scheme: 'fleet',
    store,
    secret: fleetSecret(id),
  });
  return {
    schemes: [
      {
        id: 'fleet',
        name: 'Fleet',
        zones: [
          { id: 'z0', name: 'Zone 0' },
          { id: 'zq', name: 'Quiet' },
        ],
        stores: [
          { id: 'st0', name: 'Store 0', zone: 'z0' },
          { id: 'stq', name: 'Quiet store', zone: 'zq' },
        ],
        settings: { escalationSeconds: 3600, catchUpHours: 24 },
      },
    ],
    users: [{ username: 'operator', password: 'fleet-operator-password', role: 'operator', scheme: 'fleet' }],
    devices: [
      ...Array.from({ length: DEVICES }, (_, i) => radio(`d${i}`, 'st0')),
      ...Array.from({ length: extra }, (_, i) => radio(`q${i}`, 'stq')),
      radio('raiser', 'st0'),
    ],
  };
}

/** A radio that records when each alert (by clientRef) first reached it, and confirms it. */
class Radio {
  readonly arrivals = new Map<string, number>();
  connectedAt = 0;
  /** CONNACK received. mqtt.js emits 'connect' (and re-subscribes) only later, once it has
   * re-sent its unacknowledged QoS 1 publishes (receipts) one PUBACK at a time. */
  connackAt = 0;
  /** Publishes re-sent after the last CONNACK, before 'connect'. */
  replayed = 0;
  closedAt = 0;
  constructor(readonly client: MqttClient) {
    client.on('connect', () => (this.connectedAt = performance.now()));
    client.on('packetreceive', (p) => {
      if (p.cmd === 'connack') [this.connackAt, this.replayed] = [performance.now(), 0];
    });
    // Publishes sent between the CONNACK and 'connect': the unacknowledged ones mqtt.js re-sends.
    client.on('packetsend', (p) => {
      if (p.cmd === 'publish' && this.connackAt > this.connectedAt) this.replayed++;
    });
    client.on('close', () => (this.closedAt = performance.now()));
    client.on('message', (_t, payload) => {
      const ev = JSON.parse(payload.toString());
      const ref = ev?.alert?.clientRef as string | undefined;
      if (!ref || ev.event !== 'raised') return;
      if (!this.arrivals.has(ref)) this.arrivals.set(ref, performance.now());
      if (confirming)
        client.publish(topics.alertReceipt('fleet', ev.alert.id), JSON.stringify({ eventSeq: ev.seq }), { qos: 1 });
    });
  }
}

async function connectAll(port: number, ids: string[], zone: string, batch = 100): Promise<Radio[]> {
  const out: Radio[] = [];
  for (let i = 0; i < ids.length; i += batch) {
    const next = ids.slice(i, i + batch).map(async (id) => {
      const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
        username: id,
        password: fleetSecret(id),
        clientId: `${id}-bench`,
        reconnectPeriod: 500,
        reconnectOnConnackError: true,
        connectTimeout: 5_000, // as a radio would: no CONNACK in 5 s, try again
        keepalive: 120,
      });
      const r = new Radio(client);
      r.connectedAt = performance.now();
      await client.subscribeAsync(topics.zoneAlerts('fleet', zone), { qos: 1 });
      return r;
    });
    out.push(...(await Promise.all(next)));
  }
  return out;
}

const stats = (xs: number[]) => ({
  n: xs.length,
  p50: +percentile(xs, 50).toFixed(1),
  p95: +percentile(xs, 95).toFixed(1),
  p99: +percentile(xs, 99).toFixed(1),
  max: +Math.max(...xs).toFixed(1),
});

interface Target {
  mqttPort: number;
  pids: () => number[];
}

/**
 * Raise → last radio, one raise at a time, RAISES of them after WARMUP: the PUBACK (stored), the
 * first radio, the last, and where the CPU of the phase went per raise, by program.
 */
async function raiseToLast(t: Target, radios: Radio[], raiser: Radio, tag: string) {
  const lastOf: number[] = [];
  const pubackOf: number[] = [];
  const firstOf: number[] = [];
  const programs = () => cpuByProgram({ hub: t.pids(), bench: [process.pid] });
  let cpu0 = programs();
  for (let i = -WARMUP; i < RAISES; i++) {
    if (i === 0) [lastOf.length, pubackOf.length, firstOf.length, cpu0] = [0, 0, 0, programs()];
    const ref = `${tag}-${i}`;
    const sent = performance.now();
    await raiser.client.publishAsync(
      topics.alertRaise('fleet'),
      JSON.stringify({ type: 'shoplifting', severity: 'high', clientRef: ref }),
      { qos: 1 },
    );
    pubackOf.push(performance.now() - sent);
    const end = Date.now() + 20_000;
    while (radios.some((r) => !r.arrivals.has(ref)) && Date.now() < end) await sleep(2);
    const missing = radios.filter((r) => !r.arrivals.has(ref)).length;
    if (missing) throw new Error(`${missing} radios never got ${ref}`);
    const arrivals = radios.map((r) => r.arrivals.get(ref)!);
    lastOf.push(Math.max(...arrivals) - sent);
    firstOf.push(Math.min(...arrivals) - sent);
    await sleep(200);
  }
  const cpuMsPerRaise = cpuSpent(cpu0, programs(), RAISES);
  const stages = { pubackMs: stats(pubackOf), firstRadioMs: stats(firstOf) };
  log(
    `raise → last radio (${confirming ? 'with' : 'without'} receipts)`,
    stats(lastOf),
    stages,
    'CPU ms per raise',
    cpuMsPerRaise,
  );
  return { lastOf: stats(lastOf), stages, cpuMsPerRaise };
}

/** Latency to the last radio, throughput of a burst, and memory per radio, on one target. */
async function measure(t: Target) {
  const rssBefore = t.pids().map((p) => sample(p).rssBytes);
  const t0 = performance.now();
  const radios = await connectAll(
    t.mqttPort,
    Array.from({ length: DEVICES }, (_, i) => `d${i}`),
    'z0',
  );
  const connectSeconds = (performance.now() - t0) / 1000;
  const [raiser] = await connectAll(t.mqttPort, ['raiser'], 'z0');
  await sleep(2000);
  const rssAfter = t.pids().map((p) => sample(p).rssBytes);
  log(`${DEVICES} radios connected in ${connectSeconds.toFixed(1)} s`);

  // Raise → last radio: with receipts as radios send them, then without (the delivery alone).
  const latency = await raiseToLast(t, radios, raiser!, 'lat');
  confirming = false;
  await sleep(1000);
  const latencyNoReceipts = RECEIPTS ? await raiseToLast(t, radios, raiser!, 'bare') : null;
  confirming = RECEIPTS;

  // A burst: BURST raises as fast as PUBACKs come, then wait until every radio has every one.
  const b0 = performance.now();
  const refs = Array.from({ length: BURST }, (_, i) => `burst-${i}`);
  await Promise.all(
    refs.map((ref) =>
      raiser!.client.publishAsync(
        topics.alertRaise('fleet'),
        JSON.stringify({ type: 'shoplifting', severity: 'low', clientRef: ref }),
        { qos: 1 },
      ),
    ),
  );
  const end = Date.now() + 120_000;
  const have = () => radios.reduce((n, r) => n + refs.filter((ref) => r.arrivals.has(ref)).length, 0);
  while (have() < refs.length * radios.length && Date.now() < end) await sleep(20);
  const delivered = have();
  const lastArrival = Math.max(...radios.flatMap((r) => refs.map((ref) => r.arrivals.get(ref) ?? 0)));
  const burstSeconds = (lastArrival - b0) / 1000;
  const burst = {
    raises: BURST,
    deliveries: delivered,
    expected: refs.length * radios.length,
    lost: refs.length * radios.length - delivered,
    seconds: +burstSeconds.toFixed(2),
    deliveriesPerSecond: Math.round(delivered / burstSeconds),
  };
  log('burst', burst);
  const memory = rssAfter.map((a, i) => a - rssBefore[i]!);
  const connect = +connectSeconds.toFixed(1);
  return {
    radios,
    raiser: raiser!,
    connectSeconds: connect,
    ...latency,
    withoutReceipts: latencyNoReceipts,
    burst,
    memory,
  };
}

async function single() {
  const dir = tempDir('shopwatch-bench-single-');
  const seed = writeSeed(dir, provisioning(0));
  const [mqttPort, httpPort] = await freePorts(2);
  const proc: ChildProcess = spawnReplica({
    dataDir: dir,
    seed,
    mqttPort,
    httpPort,
    env: { SHOPWATCH_RAISES_PER_MINUTE: '1000000', SHOPWATCH_DRAIN_SECONDS: '0' },
  });
  try {
    await waitReady(httpPort, 120_000, proc);
    const m = await measure({ mqttPort, pids: () => [proc.pid!] });
    for (const r of [...m.radios, m.raiser]) r.client.end(true);
    const perDevice = Math.round(m.memory[0]! / (DEVICES + 1));
    return { ...m, radios: undefined, raiser: undefined, memoryPerDeviceBytes: [perDevice] };
  } finally {
    proc.kill('SIGKILL');
    await exitOf(proc);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** This process's `ulimit -n` (HAProxy, started from here, gets the same). */
function fdLimit(): number {
  const line = fs.readFileSync('/proc/self/limits', 'utf8').match(/^Max open files\s+(\d+)/m);
  return line ? Number(line[1]) : 1024;
}

/**
 * HAProxy holds two descriptors per device: under this machine's 20,000 one process serves 9,950.
 * As many processes as the devices need share the front door's ports (SO_REUSEPORT).
 */
function frontDoor() {
  const maxconn = maxconnFor(fdLimit());
  return { maxconn, processes: Math.ceil((SCALE + DEVICES + 100) / maxconn) };
}

async function cluster() {
  const front = frontDoor();
  log('front door', front);
  const c = await TestHubCluster.start({
    replicas: 3,
    provisioning: provisioning(SCALE),
    haproxyMaxconn: front.maxconn,
    haproxyProcesses: front.processes,
  });
  try {
    const m = await measure({ mqttPort: c.mqttPort, pids: () => c.replicas.map((r) => r.proc.pid!) });
    const counts = await c.mqttClients();
    const memoryPerDeviceBytes = m.memory.map((bytes, i) => Math.round(bytes / Math.max(1, counts[i]!)));
    log('clients per replica', counts, 'memory per device', memoryPerDeviceBytes);

    // Failover: kill -9 the replica with the most radios; time until every radio is back and subscribed.
    const victim = counts.indexOf(Math.max(...counts));
    const k0 = performance.now();
    await c.kill(victim, 'SIGKILL');
    const end = Date.now() + 90_000;
    const all = [...m.radios, m.raiser];
    await sleep(1000); // every radio of the killed replica has seen its connection close by now
    const moved = all.filter((r) => r.closedAt >= k0);
    while (moved.some((r) => !r.client.connected || r.connectedAt < r.closedAt) && Date.now() < end) await sleep(20);
    const back = moved.map((r) => r.connectedAt - k0).sort((a, b) => a - b);
    const failover = {
      replicaKilled: c.replicas[victim]!.name,
      radiosMoved: moved.length,
      radiosBack: all.filter((r) => r.client.connected).length,
      backMs: stats(back),
      // Where the time goes: the CONNACK, then the replay of unacknowledged receipts before 'connect'.
      connackMs: stats(moved.map((r) => r.connackAt - k0)),
      receiptsReplayed: stats(moved.map((r) => r.replayed)),
      lastBackMs: Math.round(back[back.length - 1] ?? 0),
    };
    log('failover', failover);
    await c.startReplica(victim);
    await c.waitInRotation();

    // Scale: more radios, in a quiet zone, until SCALE in all or the first failure (frontDoor() sizes
    // HAProxy for SCALE: two descriptors per proxied connection, so two processes here).
    const t0 = performance.now();
    let scaled = 0;
    let bound = 'reached';
    const extra: Radio[] = [];
    const want = Math.max(0, SCALE - all.length);
    try {
      for (let i = 0; i < want; i += 500) {
        const ids = Array.from({ length: Math.min(500, want - i) }, (_, j) => `q${i + j}`);
        extra.push(...(await connectAll(c.mqttPort, ids, 'zq', 250)));
        scaled = extra.length;
      }
    } catch (err) {
      bound = (err as Error).message;
    }
    const perReplica = await c.mqttClients();
    const scale = {
      target: SCALE,
      connected: perReplica.reduce((a, b) => a + b, 0),
      perReplica,
      addedSeconds: +((performance.now() - t0) / 1000).toFixed(1),
      added: scaled,
      bound,
      frontDoor: front,
      rssMiBPerReplica: c.replicas.map((r) => Math.round(sample(r.proc.pid!).rssBytes / 2 ** 20)),
    };
    log('scale', scale);
    for (const r of [...all, ...extra]) r.client.end(true);
    return { ...m, radios: undefined, raiser: undefined, memoryPerDeviceBytes, failover, scale };
  } finally {
    await c.stop();
  }
}

async function main() {
  log(`single node (SQLite), ${DEVICES} radios`);
  const one = await single();
  log(`three replicas (PostgreSQL + Redis) behind HAProxy, ${DEVICES} radios`);
  const three = await cluster();
  const out = {
    date: new Date().toISOString(),
    machine: machine(),
    devices: DEVICES,
    raises: RAISES,
    receipts: RECEIPTS,
    single: one,
    cluster: three,
    crossReplicaAddedP99Ms: +(three.lastOf.p99 - one.lastOf.p99).toFixed(1),
    crossReplicaAddedP50Ms: +(three.lastOf.p50 - one.lastOf.p50).toFixed(1),
    // The delivery alone: the same raises with radios that do not confirm.
    withoutReceiptsAddedP99Ms:
      one.withoutReceipts && three.withoutReceipts
        ? +(three.withoutReceipts.lastOf.p99 - one.withoutReceipts.lastOf.p99).toFixed(1)
        : null,
    targets: { addedP99Ms: 20, failoverMs: 5000, lost: 0, devices: 10_000 },
  };
  const row = (name: string, a: unknown, b: unknown) => console.log(`| ${name} | ${a} | ${b} |`);
  row('measure', 'single node (SQLite)', '3 replicas (PG + Redis + HAProxy)');
  console.log('|---|---:|---:|');
  const p = (x: typeof one.lastOf) => `${x.p50} / ${x.p99}`;
  const top = (x: Record<string, number>) =>
    Object.entries(x)
      .slice(0, 5)
      .map(([n, ms]) => `${n} ${ms}`)
      .join(', ');
  row(`raise → last of ${DEVICES}, p50 / p99 ms (${RAISES} raises)`, p(one.lastOf), p(three.lastOf));
  row(`raise → last of ${DEVICES}, p95 ms`, one.lastOf.p95, three.lastOf.p95);
  row('raise → first radio, p50 / p99 ms', p(one.stages.firstRadioMs), p(three.stages.firstRadioMs));
  if (one.withoutReceipts && three.withoutReceipts) {
    const [a, b] = [one.withoutReceipts, three.withoutReceipts];
    row(`without receipts: raise → last of ${DEVICES}, p50 / p99 ms`, p(a.lastOf), p(b.lastOf));
    row('without receipts: CPU ms per raise, by program', top(a.cpuMsPerRaise), top(b.cpuMsPerRaise));
  }
  row('CPU ms per raise of the latency phase, by program', top(one.cpuMsPerRaise), top(three.cpuMsPerRaise));
  const b = (x: typeof one.burst) => `${x.deliveriesPerSecond}, ${x.lost} lost`;
  row(`deliveries/s (burst of ${BURST})`, b(one.burst), b(three.burst));
  row('memory per device (bytes, per replica)', one.memoryPerDeviceBytes, three.memoryPerDeviceBytes.join(' / '));
  row('failover: kill -9 → last radio back (ms)', '–', three.failover.lastBackMs);
  row(
    'failover: kill -9 → CONNACK p50 / max (ms)',
    '–',
    `${three.failover.connackMs.p50} / ${three.failover.connackMs.max}`,
  );
  row('connected across replicas', '–', `${three.scale.connected} of ${SCALE} (${three.scale.bound})`);
  const file = path.resolve(ROOT, OUT); // BENCH_OUT may be absolute (a temp dir)
  fs.writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
  log(`wrote ${path.relative(ROOT, file)}`);
  process.exit(0);
}

void main().catch((err) => {
  console.error(err);
  process.exit(1);
});
