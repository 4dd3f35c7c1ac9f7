import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { haproxyConfig, maxconnFor } from '../../hub/src/cluster/haproxy-config';
import { fleetProvisioning, fleetSecret } from '../../hub/test/support/fleet';
import { type TestHaproxy, spawnHaproxy, startHaproxy } from '../../hub/test/support/haproxy';
import { tempDir, writeSeed } from '../../hub/test/support/hub';
import { exitOf, freePorts, spawnReplica, waitReady } from './support/replica';

/** A small descriptor limit, so the bound shows with 150 devices instead of 10,000. */
const FD_LIMIT = 300;

/**
 * HAProxy needs two file descriptors per proxied connection. The cluster benchmark reached 9,900
 * of 10,000 devices: one HAProxy process under this machine's 20,000 descriptors cannot hold more
 * (HAProxy 2.6 refuses a maxconn its limit cannot cover: strict-limits is its default). Two
 * processes on the same ports, each with its own descriptors, can.
 */
describe('the front door and its file descriptors', () => {
  const procs: ChildProcess[] = [];
  const clients: MqttClient[] = [];
  let haproxy: TestHaproxy | undefined;
  afterAll(async () => {
    for (const c of clients) c.end(true);
    await haproxy?.stop();
    for (const p of procs) p.kill('SIGKILL');
  });

  it('will not start with a maxconn its descriptor limit cannot cover, naming the limit', async () => {
    const dir = tempDir('shopwatch-haproxy-fds-');
    const [mqttPort, httpPort, hubMqtt, hubHttp] = await freePorts(4);
    const servers = [{ name: 'hub-1', host: '127.0.0.1', mqttPort: hubMqtt!, httpPort: hubHttp! }];
    const file = path.join(dir, 'haproxy.cfg');
    const binds = { mqttBind: `127.0.0.1:${mqttPort}`, httpBind: `127.0.0.1:${httpPort}` };
    fs.writeFileSync(file, haproxyConfig({ servers, ...binds, maxconn: maxconnFor(FD_LIMIT) + 50 }));
    const child = spawnHaproxy(file, FD_LIMIT);
    let output = '';
    child.stderr!.on('data', (d) => (output += d));
    child.stdout!.on('data', (d) => (output += d));
    const timeout = new Promise((r) => setTimeout(() => r('still running'), 5000));
    const exited = await Promise.race([exitOf(child), timeout]);
    child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
    expect(exited).toBe(1);
    expect(output).toMatch(new RegExp(`Cannot raise FD limit to \\d+, limit is ${FD_LIMIT}`));
  });

  it('carries more devices than one process can with two processes on the same ports', async () => {
    const perProcess = maxconnFor(FD_LIMIT); // 100
    const devices = perProcess + perProcess / 2;
    const dir = tempDir('shopwatch-haproxy-fds-hub-');
    const seed = writeSeed(dir, fleetProvisioning(devices));
    const [mqttPort, httpPort] = await freePorts(2);
    const hub = spawnReplica({ dataDir: dir, seed, mqttPort: mqttPort!, httpPort: httpPort! });
    procs.push(hub);
    await waitReady(httpPort!, 90_000, hub);
    const servers = [{ name: 'hub-1', host: '127.0.0.1', mqttPort: mqttPort!, httpPort: httpPort! }];
    haproxy = await startHaproxy(servers, { maxconn: perProcess, processes: 2, fdLimit: FD_LIMIT });
    await new Promise((r) => setTimeout(r, 2500)); // the replica checked up (rise 2 x 1 s)

    const ids = Array.from({ length: devices }, (_, i) => `d${i}`);
    const connect = (id: string) =>
      mqtt.connectAsync(`mqtt://127.0.0.1:${haproxy!.mqttPort}`, {
        username: id,
        password: fleetSecret(id),
        clientId: `${id}:fds`,
        reconnectPeriod: 0,
        connectTimeout: 15_000,
      });
    for (let i = 0; i < ids.length; i += 25) {
      clients.push(...(await Promise.all(ids.slice(i, i + 25).map(connect))));
    }
    expect(clients.filter((c) => c.connected)).toHaveLength(devices);
    const metrics = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
    expect(Number(/^shopwatch_mqtt_clients (\d+)/m.exec(metrics)?.[1])).toBe(devices);
    fs.rmSync(dir, { recursive: true, force: true });
  }, 120_000);
});
