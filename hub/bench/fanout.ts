/**
 * `npm run bench:hub`: the hub's alert fan-out against Mosquitto relaying the same messages to
 * the same 1,000 subscribers, in one run on this machine, printed as ratios.
 *
 * Scenarios (each on both brokers):
 *  - zone: one alert at a time to a zone's 100 radios; raise → delivery latency.
 *  - scheme: one priority (all-zones) alert at a time to all 1,000 radios.
 *  - burst: 1,000 zone alerts and 100 all-zone alerts as fast as they are accepted; sustained
 *    deliveries/s and loss (every subscriber must get every event meant for it).
 *  - idle: resident memory per connected idle device.
 * The hub persists every alert (SQLite, synchronous=FULL) before acknowledging it; Mosquitto
 * runs without persistence. Subscribers run in this process for both, with the same client.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { topics, type ProvisioningInput } from '@shopwatch/protocols';
import { closeFleet, connectFleet, waitForArrivals, type Arrivals } from './lib/fleet';
import { startMosquitto } from './lib/mosquitto';
import { cpuShare, machine, sample } from './lib/proc';
import { now, percentile, round } from './lib/stats';
import { freePort } from '../test/support/ports';
import { fleetSecret as benchSecret } from '../test/support/fleet';

const ROOT = path.resolve(import.meta.dirname, '../..');
const DEVICES = Number(process.env.BENCH_DEVICES ?? 1000);
const ZONES = 10;
const ZONE_SAMPLES = Number(process.env.BENCH_ZONE_SAMPLES ?? 200);
const SCHEME_SAMPLES = Number(process.env.BENCH_SCHEME_SAMPLES ?? 100);
const BURST_ZONE = Number(process.env.BENCH_BURST_ZONE ?? 1000);
const BURST_SCHEME = Number(process.env.BENCH_BURST_SCHEME ?? 100);
const perZone = DEVICES / ZONES;

const log = (...a: unknown[]) => console.error('[bench]', ...a);

function provisioning(): ProvisioningInput {
  const zones = Array.from({ length: ZONES }, (_, z) => ({ id: `z${z}`, name: `Zone ${z}` }));
  const stores = Array.from({ length: 100 }, (_, i) => ({ id: `st${i}`, name: `Store ${i}`, zone: `z${i % ZONES}` }));
  const devices: ProvisioningInput['devices'] = Array.from({ length: DEVICES }, (_, i) => ({
    id: `d${i}`,
    kind: 'radio' as const,
    scheme: 'bench',
    store: `st${i % 100}`,
    secret: benchSecret(`d${i}`),
  }));
  for (let z = 0; z < ZONES; z++)
    devices.push({
      id: `raiser-z${z}`,
      kind: 'radio',
      scheme: 'bench',
      store: `st${z}`,
      secret: benchSecret(`raiser-z${z}`),
    });
  devices.push({
    id: 'control',
    kind: 'tablet',
    scheme: 'bench',
    secret: benchSecret('control'),
    duty: 'control-room',
  });
  return {
    schemes: [{ id: 'bench', name: 'Bench', zones, stores, settings: { escalationSeconds: 3600, catchUpHours: 24 } }],
    users: [],
    devices,
  };
}

const zoneOfDevice = (i: number) => `z${(i % 100) % ZONES}`;
const keyOfEvent = (payload: Buffer) => {
  const s = payload.toString();
  const i = s.indexOf('"clientRef":"');
  return s.slice(i + 13, s.indexOf('"', i + 13));
};

interface Peer {
  name: string;
  pid: number;
  url: string;
  /** Sends one alert; resolves when the broker acknowledged it (PUBACK). */
  send(kind: 'zone' | 'scheme', zone: number, key: string): Promise<void>;
  close(): Promise<void>;
}

interface Result {
  zone: { firstP50: number; firstP99: number; lastP50: number; lastP99: number };
  scheme: { firstP50: number; firstP99: number; lastP50: number; lastP99: number };
  burst: { deliveries: number; seconds: number; perSecond: number; lost: number; cpuCores: number };
  idle: { baselineMiB: number; connectedMiB: number; bytesPerDevice: number; devicesPerGiB: number };
  cpu: { zoneCores: number; schemeCores: number };
}

async function latency(peer: Peer, arrivals: Arrivals, kind: 'zone' | 'scheme', samples: number) {
  const first: number[] = [];
  const last: number[] = [];
  const expect = kind === 'zone' ? perZone : DEVICES;
  for (let i = 0; i < samples; i++) {
    const key = `${peer.name}-${kind}-${i}`;
    const t0 = now();
    await peer.send(kind, i % ZONES, key);
    const ok = await waitForArrivals(arrivals, [key], expect, 10_000);
    if (!ok) throw new Error(`${peer.name}: ${kind} sample ${i} reached ${arrivals.get(key)?.length ?? 0}/${expect}`);
    const times = arrivals.get(key)!;
    first.push(Math.min(...times) - t0);
    last.push(Math.max(...times) - t0);
    await new Promise((r) => setTimeout(r, 5));
  }
  return {
    firstP50: round(percentile(first, 50), 3),
    firstP99: round(percentile(first, 99), 3),
    lastP50: round(percentile(last, 50), 3),
    lastP99: round(percentile(last, 99), 3),
  };
}

async function runPeer(peer: Peer, subscribers: { id: string; secret?: string; topic: string }[]): Promise<Result> {
  await new Promise((r) => setTimeout(r, 1000));
  const base = sample(peer.pid);
  log(`${peer.name}: connecting ${subscribers.length} subscribers`);
  const fleet = await connectFleet(peer.url, subscribers, keyOfEvent);
  await new Promise((r) => setTimeout(r, 2000));
  const idleSample = sample(peer.pid);
  const bytesPerDevice = (idleSample.rssBytes - base.rssBytes) / subscribers.length;

  log(`${peer.name}: zone latency, ${ZONE_SAMPLES} alerts`);
  let s0 = sample(peer.pid),
    w0 = now();
  const zone = await latency(peer, fleet.arrivals, 'zone', ZONE_SAMPLES);
  const zoneCores = cpuShare(s0, sample(peer.pid), (now() - w0) / 1000);
  log(`${peer.name}: scheme-wide latency, ${SCHEME_SAMPLES} alerts`);
  s0 = sample(peer.pid);
  w0 = now();
  const scheme = await latency(peer, fleet.arrivals, 'scheme', SCHEME_SAMPLES);
  const schemeCores = cpuShare(s0, sample(peer.pid), (now() - w0) / 1000);

  log(`${peer.name}: burst of ${BURST_ZONE} zone + ${BURST_SCHEME} all-zone alerts`);
  const before = [...fleet.received.values()].reduce((a, b) => a + b, 0);
  const keys: string[] = [];
  s0 = sample(peer.pid);
  w0 = now();
  const sends: Promise<void>[] = [];
  for (let i = 0; i < BURST_ZONE; i++) {
    const key = `${peer.name}-burst-zone-${i}`;
    keys.push(key);
    sends.push(peer.send('zone', i % ZONES, key));
    if (i % 100 === 99) await Promise.all(sends.splice(0));
  }
  for (let i = 0; i < BURST_SCHEME; i++) {
    const key = `${peer.name}-burst-scheme-${i}`;
    keys.push(key);
    sends.push(peer.send('scheme', i % ZONES, key));
    if (i % 20 === 19) await Promise.all(sends.splice(0));
  }
  await Promise.all(sends);
  const expected = BURST_ZONE * perZone + BURST_SCHEME * DEVICES;
  const deadline = Date.now() + 120_000;
  let got = 0;
  let lastArrival = 0;
  while (Date.now() < deadline) {
    got = [...fleet.received.values()].reduce((a, b) => a + b, 0) - before;
    if (got >= expected) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  for (const k of keys) for (const t of fleet.arrivals.get(k) ?? []) lastArrival = Math.max(lastArrival, t);
  const seconds = (lastArrival - w0) / 1000;
  const burstCores = cpuShare(s0, sample(peer.pid), seconds);
  await closeFleet(fleet.clients);
  await peer.close();
  return {
    zone,
    scheme,
    burst: {
      deliveries: got,
      seconds: round(seconds, 2),
      perSecond: Math.round(got / seconds),
      lost: expected - got,
      cpuCores: round(burstCores, 2),
    },
    idle: {
      baselineMiB: round(base.rssBytes / 2 ** 20, 1),
      connectedMiB: round(idleSample.rssBytes / 2 ** 20, 1),
      bytesPerDevice: Math.round(bytesPerDevice),
      devicesPerGiB: Math.round(2 ** 30 / bytesPerDevice),
    },
    cpu: { zoneCores: round(zoneCores, 2), schemeCores: round(schemeCores, 2) },
  };
}

async function startHubPeer(dir: string): Promise<{ peer: Peer; child: ChildProcess; sampleEvent: () => string }> {
  const seedFile = path.join(dir, 'seed.json');
  fs.writeFileSync(seedFile, JSON.stringify(provisioning()));
  const [mqttPort, httpPort] = [await freePort(), await freePort()];
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'hub/src/main.ts')], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...process.env,
      SHOPWATCH_DATA_DIR: path.join(dir, 'hub-data'),
      SHOPWATCH_SEED: seedFile,
      SHOPWATCH_MQTT_PORT: String(mqttPort),
      SHOPWATCH_HTTP_PORT: String(httpPort),
      SHOPWATCH_HOST: '127.0.0.1',
      SHOPWATCH_LOG_LEVEL: 'error',
      SHOPWATCH_RAISES_PER_MINUTE: '1000000',
      SHOPWATCH_SYNC: process.env.SHOPWATCH_SYNC ?? 'full',
    },
  });
  const end = Date.now() + 120_000;
  for (;;) {
    try {
      if ((await fetch(`http://127.0.0.1:${httpPort}/readyz`)).ok) break;
    } catch {}
    if (Date.now() > end) throw new Error('hub did not start');
    await new Promise((r) => setTimeout(r, 200));
  }
  const url = `mqtt://127.0.0.1:${mqttPort}`;
  const raisers: MqttClient[] = [];
  for (let z = 0; z < ZONES; z++)
    raisers.push(
      await mqtt.connectAsync(url, {
        username: `raiser-z${z}`,
        password: benchSecret(`raiser-z${z}`),
        reconnectPeriod: 0,
      }),
    );
  const control = await mqtt.connectAsync(url, {
    username: 'control',
    password: benchSecret('control'),
    reconnectPeriod: 0,
  });
  let captured = '';
  raisers[0]!.subscribe(topics.zoneAlerts('bench', 'z0'), { qos: 1 });
  raisers[0]!.on('message', (_t, p) => (captured ||= p.toString()));
  const peer: Peer = {
    name: 'hub',
    pid: child.pid!,
    url,
    send: async (kind, zone, key) => {
      if (kind === 'zone')
        await raisers[zone]!.publishAsync(
          topics.alertRaise('bench'),
          JSON.stringify({ type: 'shoplifting', severity: 'high', clientRef: key }),
          { qos: 1 },
        );
      else
        await control.publishAsync(
          topics.alertRaise('bench'),
          JSON.stringify({
            type: 'violence',
            severity: 'critical',
            store: `st${zone}`,
            priority: true,
            clientRef: key,
          }),
          { qos: 1 },
        );
    },
    close: async () => {
      await Promise.all([...raisers, control].map((c) => c.endAsync(true)));
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
  return { peer, child, sampleEvent: () => captured };
}

async function startMosquittoPeer(dir: string, template: string): Promise<Peer> {
  const port = await freePort();
  const child = await startMosquitto(dir, port);
  const url = `mqtt://127.0.0.1:${port}`;
  const pub = await mqtt.connectAsync(url, { reconnectPeriod: 0, clientId: 'bench-publisher' });
  const withKey = (key: string) => template.replace(/"clientRef":"[^"]*"/, `"clientRef":"${key}"`);
  return {
    name: 'mosquitto',
    pid: child.pid!,
    url,
    // The hub publishes an all-zone event on every zone topic; Mosquitto relays the same.
    send: async (kind, zone, key) => {
      const payload = withKey(key);
      const zs = kind === 'zone' ? [zone] : Array.from({ length: ZONES }, (_, z) => z);
      await Promise.all(zs.map((z) => pub.publishAsync(topics.zoneAlerts('bench', `z${z}`), payload, { qos: 1 })));
    },
    close: async () => {
      await pub.endAsync(true);
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shopwatch-bench-'));
  const subsHub = Array.from({ length: DEVICES }, (_, i) => ({
    id: `d${i}`,
    secret: benchSecret(`d${i}`),
    topic: topics.zoneAlerts('bench', zoneOfDevice(i)),
  }));
  const subsMosq = subsHub.map((s) => ({ id: s.id, topic: s.topic }));

  log('starting the hub with', DEVICES, 'provisioned radios');
  const { peer: hubPeer, sampleEvent } = await startHubPeer(dir);
  const hub = await runPeer(hubPeer, subsHub);
  const template = sampleEvent();
  if (!template) throw new Error('no hub event captured for the Mosquitto payload');
  log('starting Mosquitto');
  const mosq = await runPeer(await startMosquittoPeer(dir, template), subsMosq);

  const ratio = (a: number, b: number) => round(a / b, 2);
  const rows = [
    ['zone alert → first recipient p50 (ms)', hub.zone.firstP50, mosq.zone.firstP50],
    ['zone alert → first recipient p99 (ms)', hub.zone.firstP99, mosq.zone.firstP99],
    [`zone alert → last of ${perZone} p50 (ms)`, hub.zone.lastP50, mosq.zone.lastP50],
    [`zone alert → last of ${perZone} p99 (ms)`, hub.zone.lastP99, mosq.zone.lastP99],
    ['all-zone alert → first recipient p99 (ms)', hub.scheme.firstP99, mosq.scheme.firstP99],
    [`all-zone alert → last of ${DEVICES} p50 (ms)`, hub.scheme.lastP50, mosq.scheme.lastP50],
    [`all-zone alert → last of ${DEVICES} p99 (ms)`, hub.scheme.lastP99, mosq.scheme.lastP99],
    ['burst deliveries/s', hub.burst.perSecond, mosq.burst.perSecond],
    ['burst deliveries lost', hub.burst.lost, mosq.burst.lost],
    ['burst broker CPU (cores)', hub.burst.cpuCores, mosq.burst.cpuCores],
    ['zone-latency phase broker CPU (cores)', hub.cpu.zoneCores, mosq.cpu.zoneCores],
    ['idle RSS with devices connected (MiB)', hub.idle.connectedMiB, mosq.idle.connectedMiB],
    ['RSS per idle device (bytes)', hub.idle.bytesPerDevice, mosq.idle.bytesPerDevice],
    ['idle devices per GiB', hub.idle.devicesPerGiB, mosq.idle.devicesPerGiB],
  ] as const;
  console.log(
    `\nShopWatch hub vs Mosquitto — ${DEVICES} subscribers, ${ZONES} zones, ${machine().cpus} × ${machine().model}\n`,
  );
  console.log('| measure | hub | mosquitto | hub / mosquitto |\n|---|---:|---:|---:|');
  for (const [name, h, m] of rows) console.log(`| ${name} | ${h} | ${m} | ${m === 0 ? '–' : ratio(h, m)} |`);
  const out = {
    sync: process.env.SHOPWATCH_SYNC ?? 'full',
    date: new Date().toISOString(),
    machine: machine(),
    devices: DEVICES,
    zones: ZONES,
    samples: { zone: ZONE_SAMPLES, scheme: SCHEME_SAMPLES, burstZone: BURST_ZONE, burstScheme: BURST_SCHEME },
    hub,
    mosquitto: mosq,
  };
  const file = path.join(ROOT, `bench/results/hub-fanout-sync-${process.env.SHOPWATCH_SYNC ?? 'full'}.json`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
  console.log(`\nwrote ${path.relative(process.cwd(), file)}`);
  fs.rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
