import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { sleep } from '../../../hub/test/support/mqtt';

const ROOT = path.resolve(import.meta.dirname, '../../..');

export interface ReplicaOptions {
  dataDir: string;
  seed?: string;
  mqttPort: number;
  httpPort: number;
  /** This replica's name in the cluster (SHOPWATCH_NODE_ID); replicas sharing a data dir need one each. */
  nodeId?: string;
  /** More environment: SHOPWATCH_DATABASE_URL, SHOPWATCH_REDIS_URL, SHOPWATCH_DRAIN_SECONDS... */
  env?: Record<string, string>;
  /** Where its output goes: inherited (the default) or collected by the caller. */
  stdio?: 'inherit' | 'pipe';
}

/**
 * One hub replica as its own process, as `npm run hub` runs it (`node --import tsx` in this one
 * process, so `kill -9` really kills the hub and nothing else).
 */
export function spawnReplica(o: ReplicaOptions): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'hub/src/main.ts')], {
    cwd: ROOT,
    env: {
      ...process.env,
      SHOPWATCH_DATA_DIR: o.dataDir,
      ...(o.seed ? { SHOPWATCH_SEED: o.seed } : {}),
      ...(o.nodeId ? { SHOPWATCH_NODE_ID: o.nodeId } : {}),
      SHOPWATCH_MQTT_PORT: String(o.mqttPort),
      SHOPWATCH_HTTP_PORT: String(o.httpPort),
      SHOPWATCH_HOST: '127.0.0.1',
      SHOPWATCH_LOG_LEVEL: process.env.CLUSTER_LOG_LEVEL ?? 'warn',
      ...o.env,
    },
    stdio: ['ignore', o.stdio ?? 'inherit', o.stdio ?? 'inherit'],
  });
}

/**
 * `n` distinct TCP ports that were free a moment ago on loopback: all are held open together while
 * they are chosen, so two of them are never the same port (freePort() called twice can be).
 */
export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: n }, () => {
      const s = net.createServer();
      return new Promise<net.Server>((r) => s.listen(0, '127.0.0.1', () => r(s)));
    }),
  );
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

/**
 * Waits until a replica's own /readyz answers 200. With its process given, fails as soon as it
 * exits (a port taken meanwhile by another program must not pass for this replica being ready).
 */
export async function waitReady(httpPort: number, timeoutMs = 60_000, child?: ChildProcess) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (child && (child.exitCode !== null || child.signalCode !== null)) {
      throw new Error(`replica on ${httpPort} exited (${child.exitCode ?? child.signalCode}) before it was ready`);
    }
    try {
      if ((await fetch(`http://127.0.0.1:${httpPort}/readyz`)).status === 200) return;
    } catch {}
    await sleep(100);
  }
  throw new Error(`replica on ${httpPort} did not become ready`);
}

/** Resolves with the exit code (or signal) once the process has ended. */
export function exitOf(child: ChildProcess): Promise<number | string | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode ?? child.signalCode);
  return new Promise((r) => child.once('exit', (code, signal) => r(code ?? signal)));
}
