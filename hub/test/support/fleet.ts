import { type ChildProcess, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { type ProvisioningInput, topics } from '@shopwatch/protocols';
import { sample } from '../../bench/lib/proc';

const ROOT = path.resolve(import.meta.dirname, '../../..');

/** A device secret as a real deployment would make one: 32 random-looking bytes, base64url. */
export const fleetSecret = (id: string) => crypto.createHash('sha256').update(`fleet-test:${id}`).digest('base64url');

export const FLEET_ZONES = 10;
export const zoneOf = (i: number) => `z${i % FLEET_ZONES}`;

/**
 * One scheme with `radios` store radios spread over 10 zones and 100 stores, a control-room
 * tablet, one raising radio per zone and one in a zone without radios, and an operator.
 */
export function fleetProvisioning(radios: number): ProvisioningInput {
  const zones = Array.from({ length: FLEET_ZONES }, (_, z) => ({ id: `z${z}`, name: `Zone ${z}` }));
  const stores = Array.from({ length: 100 }, (_, i) => ({ id: `st${i}`, name: `Store ${i}`, zone: zoneOf(i) }));
  const devices: NonNullable<ProvisioningInput['devices']> = Array.from({ length: radios }, (_, i) => ({
    id: `d${i}`,
    kind: 'radio' as const,
    scheme: 'fleet',
    store: `st${i % 100}`,
    secret: fleetSecret(`d${i}`),
  }));
  for (let z = 0; z < FLEET_ZONES; z++) {
    const id = `raiser-z${z}`;
    devices.push({ id, kind: 'radio', scheme: 'fleet', store: `st${z}`, secret: fleetSecret(id) });
  }
  // A radio in a zone of its own: its raises measure the hub's responsiveness without fanning out
  // to (and catching up) thousands of storm radios.
  zones.push({ id: 'zq', name: 'Quiet zone' });
  stores.push({ id: 'stq', name: 'Quiet store', zone: 'zq' });
  devices.push({ id: 'raiser-q', kind: 'radio', scheme: 'fleet', store: 'stq', secret: fleetSecret('raiser-q') });
  devices.push({
    id: 'control',
    kind: 'tablet',
    scheme: 'fleet',
    duty: 'control-room',
    secret: fleetSecret('control'),
  });
  return {
    schemes: [{ id: 'fleet', name: 'Fleet', zones, stores, settings: { escalationSeconds: 3600, catchUpHours: 24 } }],
    users: [{ username: 'operator', password: 'fleet-operator-password', role: 'operator', scheme: 'fleet' }],
    devices,
  };
}

/** `npm run hub`'s entry point as a real child process (SIGKILL-able, its own event loop and CPU). */
export function spawnHub(dataDir: string, seed: string, mqttPort: number, httpPort: number): ChildProcess {
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
      // Load tests measure the raise path itself: the per-device raise limit would turn most of
      // their raises into (cheaper) refusals.
      SHOPWATCH_RAISES_PER_MINUTE: '1000000',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
}

/** Milliseconds from now until /readyz answers 200. */
export async function timeUntilReady(httpPort: number, timeoutMs = 120_000): Promise<number> {
  const t0 = performance.now();
  while (performance.now() - t0 < timeoutMs) {
    try {
      if ((await fetch(`http://127.0.0.1:${httpPort}/readyz`)).status === 200) return performance.now() - t0;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('hub did not become ready');
}

export async function killHub(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL') {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  await exited;
}

/**
 * Connects every device at the same moment (a reconnect storm) and subscribes each to its zone.
 * Like a real radio, one whose attempt fails (time-out, reset) tries again after a second.
 * Resolves with the clients that made it, how many retries that took, and when the last was served.
 */
export async function storm(mqttPort: number, ids: { id: string; zone: string }[], attempts = 2) {
  const t0 = performance.now();
  const failures: string[] = [];
  let retries = 0;
  const once = async (id: string, zone: string): Promise<MqttClient> => {
    // mqtt.js leaves connectAsync pending when the socket closes before CONNACK: a CONNACK or
    // SUBACK that does not come within 60 s is a failed attempt, never a hang.
    const c = mqtt.connect(`mqtt://127.0.0.1:${mqttPort}`, {
      username: id,
      password: fleetSecret(id),
      clientId: `${id}-storm`,
      reconnectPeriod: 0,
      connectTimeout: 60_000,
      keepalive: 300,
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('no CONNACK and SUBACK within 60 s')), 60_000);
    });
    const connected = new Promise<void>((resolve, reject) => {
      c.once('connect', () => resolve());
      c.once('error', reject);
      c.once('close', () => reject(new Error('closed before CONNACK')));
    });
    try {
      const subscribed = connected.then(() => c.subscribeAsync(topics.zoneAlerts('fleet', zone), { qos: 1 }));
      await Promise.race([subscribed, timeout]);
      return c;
    } catch (err) {
      c.end(true);
      throw err;
    } finally {
      clearTimeout(timer);
    }
  };
  const clients = await Promise.all(
    ids.map(async ({ id, zone }) => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await once(id, zone);
        } catch (err) {
          if (attempt >= attempts) {
            failures.push(`${id}: ${(err as Error).message}`);
            return null;
          }
          retries++;
          await new Promise((r) => setTimeout(r, 1000));
        }
      }
    }),
  );
  return { clients: clients.filter((c): c is MqttClient => c !== null), failures, retries, ms: performance.now() - t0 };
}

export function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
}

/** Runs a storm of radios d{from}..d{to-1} in a child process; `end()` disconnects them. */
export async function stormInChild(mqttPort: number, from: number, to: number) {
  const script = path.join(import.meta.dirname, 'storm-child.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', script, String(mqttPort), String(from), String(to)], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve(out.slice(0, out.indexOf('\n')));
    });
    child.once('exit', (code) => reject(new Error(`storm process exited with ${code}`)));
  });
  const result = JSON.parse(line) as { served: number; failures: string[]; retries: number; ms: number };
  return {
    ...result,
    end: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.stdin!.end();
      await exited;
    },
  };
}

/** CPU seconds (user + system) a process has used so far. */
export const cpuSeconds = (pid: number) => sample(pid).cpuSeconds;
