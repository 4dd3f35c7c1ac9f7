import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CHECK, composeHaproxyConfig } from '../../hub/src/cluster/haproxy-config';
import { type TestHaproxy, checkHaproxyConfig, startHaproxy } from '../../hub/test/support/haproxy';
import { tempDir, testScheme, writeSeed } from '../../hub/test/support/hub';
import { TestDevice, sleep } from '../../hub/test/support/mqtt';
import { freePorts, spawnReplica, waitReady } from './support/replica';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** `shopwatch_mqtt_clients` of one replica, read from its own /metrics (not through HAProxy). */
async function mqttClients(httpPort: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
  const m = /^shopwatch_mqtt_clients (\d+)/m.exec(text);
  if (!m) throw new Error('no shopwatch_mqtt_clients in /metrics');
  return Number(m[1]);
}

describe('the HAProxy front door (deploy/haproxy.cfg)', () => {
  it('is the generated file, and HAProxy 2.6 accepts it', () => {
    const file = path.join(ROOT, 'deploy/haproxy.cfg');
    const text = fs.readFileSync(file, 'utf8');
    expect(text, 'run `npm run haproxy:config`').toBe(composeHaproxyConfig());
    const r = checkHaproxyConfig(file);
    expect(r.output).toContain('Configuration file is valid');
    expect(r.ok).toBe(true);
    // Outside the compose network the service names do not resolve; nothing else may be warned.
    const warnings = r.output.split('\n').filter((l) => l.includes('[WARNING]'));
    for (const w of warnings) expect(w).toMatch(/could not resolve address 'hub-[123]'/);
  });

  it('balances MQTT by fewest connections and checks /readyz on the HTTP port of every replica', () => {
    const text = composeHaproxyConfig();
    const backend = (name: string) => text.split(`\nbackend ${name}\n`)[1]!.split('\n\n')[0]!;
    const mqtt = backend('hub_mqtt');
    expect(mqtt).toContain('mode tcp');
    expect(mqtt).toContain('balance leastconn');
    expect(mqtt).toContain('http-check send meth GET uri /readyz');
    for (const n of [1, 2, 3]) expect(mqtt).toMatch(new RegExp(`server hub-${n} hub-${n}:1883 check .* port 8080`));
    const http = backend('hub_http');
    expect(http).toContain('mode http');
    expect(http).toContain('timeout tunnel 1h');
    expect(http).toContain('http-check send meth GET uri /readyz');
    for (const n of [1, 2, 3]) expect(http).toMatch(new RegExp(`server hub-${n} hub-${n}:8080 check`));
  });
});

/**
 * Two real hub processes behind a real HAProxy. A replica sent SIGTERM leaves the rotation while
 * it still serves (its /readyz says 503), and its devices move to the other one when it closes.
 */
describe('draining a replica behind HAProxy', () => {
  const procs: ChildProcess[] = [];
  const devices: TestDevice[] = [];
  let haproxy: TestHaproxy | undefined;
  afterAll(async () => {
    for (const d of devices) d.client.end(true);
    for (const p of procs) p.kill('SIGKILL');
    await haproxy?.stop();
  });

  it('sends new connections only to the other replica, then moves the drained one’s devices there', async () => {
    const drainSeconds = 5;
    const replicas = [];
    const ports = await freePorts(4);
    for (const [i, name] of ['a', 'b'].entries()) {
      const dir = tempDir();
      const seed = writeSeed(dir, testScheme());
      const [mqttPort, httpPort] = [ports[2 * i]!, ports[2 * i + 1]!];
      const env = { SHOPWATCH_DRAIN_SECONDS: String(drainSeconds) };
      procs.push(spawnReplica({ dataDir: dir, seed, mqttPort, httpPort, env }));
      replicas.push({ name, host: '127.0.0.1', mqttPort, httpPort });
    }
    await Promise.all(replicas.map((r, i) => waitReady(r.httpPort, 60_000, procs[i])));
    haproxy = await startHaproxy(replicas);
    const [a, b] = replicas as [(typeof replicas)[0], (typeof replicas)[0]];
    await sleep(CHECK.interMs * CHECK.rise + 500); // both checked up

    const ids = [
      ['radio-boots', 'radio-boots-secret-for-tests'],
      ['radio-coop', 'radio-coop-secret-for-tests'],
      ['radio-tesco', 'radio-tesco-secret-for-tests'],
      ['control-room', 'control-room-secret-for-tests'],
      ['warden-1', 'warden-one-secret-for-tests'],
      ['radio-argos', 'radio-argos-secret-for-tests'],
    ] as const;
    const connect = async (i: number) => {
      const [id, secret] = ids[i % ids.length]!;
      const d = await TestDevice.connect(haproxy!.mqttPort, id, secret, { reconnectPeriod: 200 });
      devices.push(d);
    };
    for (let i = 0; i < 6; i++) await connect(i);
    const before = [await mqttClients(a.httpPort), await mqttClients(b.httpPort)];
    expect(before[0]! + before[1]!).toBe(6);
    expect(before[0]).toBeGreaterThan(0); // leastconn spread them
    expect(before[1]).toBeGreaterThan(0);

    const t0 = performance.now();
    const aExit = new Promise<number | null>((r) => procs[0]!.once('exit', (c) => r(c)));
    procs[0]!.kill('SIGTERM');
    // Out of the rotation after `fall` failed checks; A still serves, but gets nothing new.
    await sleep(CHECK.interMs * (CHECK.fall + 1) + 300);
    expect(performance.now() - t0).toBeLessThan(drainSeconds * 1000 - 500);
    expect((await fetch(`http://127.0.0.1:${a.httpPort}/readyz`)).status).toBe(503);
    for (let i = 0; i < 10; i++) {
      expect((await fetch(`http://127.0.0.1:${haproxy.httpPort}/readyz`)).status).toBe(200); // only B answers
    }
    for (let i = 6; i < 10; i++) await connect(i);
    expect(await mqttClients(a.httpPort)).toBe(before[0]);
    expect(await mqttClients(b.httpPort)).toBe(before[1]! + 4);

    // A closes at the end of its drain: its devices reconnect through HAProxy, all to B.
    expect(await aExit).toBe(0);
    const end = Date.now() + 10_000;
    while (Date.now() < end && (await mqttClients(b.httpPort)) < 10) await sleep(100);
    expect(await mqttClients(b.httpPort)).toBe(10);
    expect(devices.every((d) => d.client.connected)).toBe(true);
  }, 60_000);
});
