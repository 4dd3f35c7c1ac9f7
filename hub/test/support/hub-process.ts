import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { sleep } from './mqtt';

const ROOT = path.resolve(import.meta.dirname, '../../..');

/** Runs the hub's entry point as a real child process, so that a test can SIGKILL it. */
export function spawnHub(
  dataDir: string,
  seed: string,
  mqttPort: number,
  httpPort: number,
  /** More environment, e.g. the cluster's SHOPWATCH_REDIS_URL and a SHOPWATCH_NODE_ID. */
  env: Record<string, string> = {},
): ChildProcess {
  // `node --import tsx` runs the hub in this one process, so SIGKILL really kills the hub.
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
      ...env,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
}

export async function waitReady(httpPort: number, timeoutMs = 30_000) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    try {
      if ((await fetch(`http://127.0.0.1:${httpPort}/readyz`)).status === 200) return;
    } catch {}
    await sleep(100);
  }
  throw new Error('hub did not become ready');
}
