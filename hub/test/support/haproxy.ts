import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { type HubServer, haproxyConfig } from '../../src/cluster/haproxy-config';
import { freePort } from './ports';

export const HAPROXY = '/usr/sbin/haproxy';

/** A throw-away HAProxy in front of hub replicas, on free loopback ports. */
export interface TestHaproxy {
  mqttPort: number;
  httpPort: number;
  /** The written configuration file. */
  file: string;
  stop(): Promise<void>;
}

/** `haproxy -c -f file`: the exit status and what it said. */
export function checkHaproxyConfig(file: string): { ok: boolean; output: string } {
  const r = spawnSync(HAPROXY, ['-c', '-f', file], { encoding: 'utf8', timeout: 30_000 });
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
}

async function listening(port: number, timeoutMs: number) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`haproxy did not listen on ${port}`);
}

/**
 * HAProxy in the foreground on `file`; under `fdLimit` descriptors when given (the shell lowers
 * its own limit, then becomes HAProxy, so the pid is HAProxy's).
 */
export function spawnHaproxy(file: string, fdLimit?: number): ChildProcess {
  const stdio: ['ignore', 'pipe', 'pipe'] = ['ignore', 'pipe', 'pipe'];
  if (fdLimit === undefined) return spawn(HAPROXY, ['-db', '-f', file], { stdio });
  const script = `ulimit -n ${Math.floor(fdLimit)} && exec ${HAPROXY} -db -f "$0"`;
  return spawn('/bin/sh', ['-c', script, file], { stdio });
}

/**
 * Starts HAProxy (Debian's binary) in the foreground with the configuration the compose file
 * uses, pointed at the given replicas on loopback. It is killed when the test process exits.
 */
export async function startHaproxy(
  servers: readonly HubServer[],
  opts: {
    maxconn?: number;
    /**
     * HAProxy processes sharing the same ports (SO_REUSEPORT: the kernel spreads connections):
     * each has its own descriptors, so N of them carry N x maxconn under one `ulimit -n`.
     */
    processes?: number;
    /** Runs HAProxy under this `ulimit -n` (lower than the test's own). */
    fdLimit?: number;
  } = {},
) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shopwatch-haproxy-'));
  const [mqttPort, httpPort] = [await freePort(), await freePort()];
  const file = path.join(dir, 'haproxy.cfg');
  const cfg = haproxyConfig({
    servers,
    mqttBind: `127.0.0.1:${mqttPort}`,
    httpBind: `127.0.0.1:${httpPort}`,
    maxconn: opts.maxconn ?? 4000,
    // HAPROXY_LOG=1: HAProxy's connection log on this process's stderr (to see where time goes).
    ...(process.env.HAPROXY_LOG ? { log: 'stdout' as const } : {}),
  });
  fs.writeFileSync(file, cfg);
  const checked = checkHaproxyConfig(file);
  if (!checked.ok) throw new Error(`haproxy refused its configuration:\n${checked.output}`);
  let output = '';
  const children = Array.from({ length: opts.processes ?? 1 }, () => spawnHaproxy(file, opts.fdLimit));
  for (const child of children) {
    child.stdout!.on('data', (d) => (process.env.HAPROXY_LOG ? process.stderr.write(d) : (output += d)));
    child.stderr!.on('data', (d) => (output += d));
  }
  const kill = () => {
    for (const child of children) child.kill('SIGKILL');
  };
  process.once('exit', kill);
  try {
    await listening(mqttPort, 10_000);
    await listening(httpPort, 10_000);
    // Every process must be up, not only the first to bind (one refused by strict-limits exits).
    await new Promise((r) => setTimeout(r, 300));
    if (children.some((c) => c.exitCode !== null || c.signalCode !== null)) throw new Error('a haproxy process exited');
  } catch (err) {
    kill();
    throw new Error(`${(err as Error).message}\n${output}`);
  }
  const haproxy: TestHaproxy = {
    mqttPort,
    httpPort,
    file,
    async stop() {
      process.removeListener('exit', kill);
      for (const child of children) {
        if (child.exitCode === null && child.signalCode === null) {
          const exited = new Promise((r) => child.once('exit', r));
          child.kill('SIGTERM');
          await exited;
        }
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  return haproxy;
}
