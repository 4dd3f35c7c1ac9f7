import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { tempDir, testScheme, writeSeed } from '../support/hub';
import { sleep } from '../support/mqtt';
import { freePort } from '../support/ports';

const ROOT = path.resolve(import.meta.dirname, '../../..');

export interface HubProcess {
  child: ChildProcess;
  mqttPort: number;
  httpPort: number;
  http: string;
  /** Resident set size of the hub process, in bytes (Linux /proc). */
  rss(): number;
  stop(): Promise<void>;
}

/** Runs the hub's entry point as a child process, so its memory can be measured on its own. */
export async function spawnHub(): Promise<HubProcess> {
  const dir = tempDir();
  const seed = writeSeed(dir, testScheme());
  const [mqttPort, httpPort] = [await freePort(), await freePort()];
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'hub/src/main.ts')], {
    cwd: ROOT,
    env: {
      ...process.env,
      SHOPWATCH_DATA_DIR: dir,
      SHOPWATCH_SEED: seed,
      SHOPWATCH_MQTT_PORT: String(mqttPort),
      SHOPWATCH_HTTP_PORT: String(httpPort),
      SHOPWATCH_HOST: '127.0.0.1',
      SHOPWATCH_LOG_LEVEL: 'error',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const http = `http://127.0.0.1:${httpPort}`;
  const end = Date.now() + 60_000;
  for (;;) {
    try {
      if ((await fetch(`${http}/readyz`)).status === 200) break;
    } catch {}
    if (Date.now() > end || child.exitCode !== null) throw new Error('hub did not become ready');
    await sleep(100);
  }
  return {
    child,
    mqttPort,
    httpPort,
    http,
    rss: () => {
      const status = fs.readFileSync(`/proc/${child.pid}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
    },
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

/** MQTT "remaining length" variable byte integer ([MQTT-2.2.3]). */
export function remainingLength(n: number): Buffer {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return Buffer.from(out);
}

/** Opens a raw TCP socket and resolves when it is connected; `closed` resolves with the close time. */
export async function rawSocket(port: number): Promise<{ sock: net.Socket; closed: Promise<number> }> {
  const sock = net.connect(port, '127.0.0.1');
  sock.on('error', () => {});
  const closed = new Promise<number>((r) => sock.once('close', () => r(Date.now())));
  await new Promise((r) => sock.once('connect', r));
  return { sock, closed };
}
