import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './ports';

/** A throw-away Redis server started by a test, in a temp dir on a free port. */
export interface TestRedis {
  url: string;
  port: number;
  /** Stops the server (SIGKILL: a crash, nothing flushed) and starts it again on the same port and dir. */
  restart(whileDown?: () => Promise<unknown>): Promise<void>;
  /**
   * Freezes the server (SIGSTOP) while `whileHung` runs, then lets it go on (SIGCONT): its
   * connections stay open but nothing is answered, as with a hung server or a lost network path.
   */
  hang(whileHung: () => Promise<unknown>): Promise<void>;
  stop(): Promise<void>;
}

/** Waits until something answers on the port (the server is up) or throws after `ms`. */
async function waitForPort(port: number, ms = 10_000) {
  const until = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => (s.destroy(), resolve(true)));
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`redis-server did not listen on ${port} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Starts `redis-server` (Debian package `redis-server`) with its data in a temp dir: no RDB
 * snapshots, append-only file on (what a cluster deployment would run), loopback only.
 */
export async function startRedis(): Promise<TestRedis> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shopwatch-redis-'));
  const port = await freePort();
  let child: ChildProcess | null = null;
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes'];
  const start = async () => {
    const c = spawn('redis-server', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    c.on('error', () => {}); // a missing binary shows as the port never opening
    child = c;
    await waitForPort(port);
  };
  const kill = async () => {
    const c = child;
    child = null;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await exited;
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async restart(whileDown) {
      await kill();
      await whileDown?.();
      await start();
    },
    async hang(whileHung) {
      child?.kill('SIGSTOP');
      try {
        await whileHung();
      } finally {
        child?.kill('SIGCONT');
      }
    },
    async stop() {
      await kill();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
