/**
 * `npm start`: the whole demo on one machine — the hub (embedded broker, SQLite in ./data), a
 * demo scheme, a demo store camera (an RTSP server looping a clip in which an enrolled demo
 * subject appears) and an edge agent watching it. Ctrl-C stops every child process.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { DEMO_USERS, demoProvisioning } from './demo/provisioning';
import { radioExampleArgs } from './demo/radio-example';

const ROOT = path.resolve(import.meta.dirname, '..');
const DATA = path.resolve(process.env.SHOPWATCH_DATA_DIR ?? path.join(ROOT, 'data'));
const DEMO = path.join(DATA, 'demo');
const HTTP_PORT = Number(process.env.SHOPWATCH_HTTP_PORT ?? 8080);
const MQTT_PORT = Number(process.env.SHOPWATCH_MQTT_PORT ?? 1883);
const RTSP_PORT = Number(process.env.SHOPWATCH_DEMO_RTSP_PORT ?? 8554);
const HUB = `http://127.0.0.1:${HTTP_PORT}`;
const RADIO_EXAMPLE = {
  port: MQTT_PORT,
  device: 'radio-boots',
  secret: 'demo-radio-boots-secret-change-me',
  scheme: 'demo',
  zone: 'high-street',
};
const children: { name: string; proc: ChildProcess }[] = [];
let stopping = false;

const step = (n: number, text: string) => console.log(`[${n}/6] ${text}`);

function start(name: string, args: string[], env: Record<string, string>, logFile: string): ChildProcess {
  const out = fs.openSync(logFile, 'a');
  const proc = spawn(process.execPath, ['--import', 'tsx', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', out, out],
  });
  proc.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`${name} stopped unexpectedly (${signal ?? `exit ${code}`}); see ${path.relative(ROOT, logFile)}`);
      void shutdown(1);
    }
  });
  children.push({ name, proc });
  return proc;
}

async function waitFor(what: string, fn: () => Promise<boolean>, timeoutMs: number) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await fn().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${what} did not come up within ${timeoutMs / 1000} s`);
}

/** One call to the hub's API; `T` is the reply's shape (the hub's schemas in protocols). */
async function api<T>(method: string, p: string, token: string | null, body?: unknown): Promise<T> {
  const res = await fetch(`${HUB}${p}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      'content-type': Buffer.isBuffer(body) ? 'image/png' : 'application/json',
    },
    body: body === undefined ? undefined : Buffer.isBuffer(body) ? (body as unknown as BodyInit) : JSON.stringify(body),
  });
  const json: unknown = await res.json();
  if (!res.ok) throw new Error(`${method} ${p}: ${(json as { message?: string }).message}`);
  return json as T;
}

/** Enrols the demo subject once (an incident with a statement, a reason, one photo). */
async function enrolDemoSubject(photo: string) {
  const coord = DEMO_USERS.find((u) => u.role === 'coordinator')!;
  const { token } = await api<{ token: string }>('POST', '/api/login', null, {
    username: coord.username,
    password: coord.password,
  });
  const existing = await api<{ alias: string }[]>('GET', '/api/gallery/subjects', token);
  if (existing.some((s) => s.alias === 'Demo Subject')) return 'already enrolled';
  const inc = await api<{ id: string }>('POST', '/api/incidents', token, {
    type: 'theft',
    store: 'boots',
    occurredAt: new Date(Date.now() - 86400_000).toISOString(),
    valuePence: 4500,
    description: 'Demo incident: razor blades taken from aisle 3',
    statement: 'Demo statement: I saw the man put six packs of razor blades in his coat and leave without paying.',
  });
  const s = await api<{ id: string }>('POST', '/api/gallery/subjects', token, {
    alias: 'Demo Subject',
    status: 'known',
    reason: 'repeat-offending',
    incidentIds: [inc.id],
    under18: false,
    vulnerable: false,
  });
  await api<unknown>(
    'POST',
    `/api/gallery/subjects/${s.id}/photos?source=${encodeURIComponent('demo photo (npm @vladmandic/human assets)')}`,
    token,
    fs.readFileSync(photo),
  );
  return 'enrolled';
}

async function main() {
  fs.mkdirSync(DEMO, { recursive: true });
  process.env.SHOPWATCH_TEST_MEDIA_DIR = path.join(DEMO, 'media');
  step(1, 'checking the face models (built from npm packages on first run)');
  const { buildModels, readManifest } = await import('@shopwatch/models');
  buildModels({ manifest: readManifest(), log: (m: string) => console.log(`      ${m}`) });

  step(2, 'checking the dashboard build');
  if (!fs.existsSync(path.join(ROOT, 'dashboard/dist/index.html'))) {
    await new Promise<void>((resolve, reject) =>
      spawn('npm', ['run', 'build:dashboard'], { cwd: ROOT, stdio: 'inherit' }).on('exit', (c) =>
        c === 0 ? resolve() : reject(new Error('dashboard build failed')),
      ),
    );
  }

  step(3, 'preparing the demo camera clip (vtest.avi with the demo subject walking in, by ffmpeg)');
  const media = await import('./demo/media');
  const [clip, photo] = await Promise.all([media.faceVideo(), media.facePhoto()]);

  step(
    4,
    `starting the hub on http://localhost:${HTTP_PORT} (MQTT ${MQTT_PORT}, data in ` +
      `${path.relative(ROOT, DATA) || '.'})`,
  );
  const seed = path.join(DEMO, 'provisioning.json');
  fs.writeFileSync(seed, JSON.stringify(demoProvisioning(), null, 2));
  start(
    'hub',
    ['hub/src/main.ts'],
    {
      SHOPWATCH_DATA_DIR: DATA,
      SHOPWATCH_SEED: seed,
      SHOPWATCH_HTTP_PORT: String(HTTP_PORT),
      SHOPWATCH_MQTT_PORT: String(MQTT_PORT),
    },
    path.join(DATA, 'hub.log'),
  );
  await waitFor('the hub', async () => (await fetch(`${HUB}/readyz`)).ok, 120_000);

  step(5, `demo gallery subject: ${await enrolDemoSubject(photo)}`);

  step(6, `starting the demo camera (rtsp://127.0.0.1:${RTSP_PORT}/boots-entrance) and the Boots edge agent`);
  const python = process.env.SHOPWATCH_TEST_PYTHON ?? '/usr/bin/python3';
  const camLog = fs.openSync(path.join(DATA, 'camera.log'), 'a');
  const cam = spawn(
    python,
    [path.join(ROOT, 'scripts/demo/rtsp-server.py'), '--port', String(RTSP_PORT), '--mount', `boots-entrance=${clip}`],
    { stdio: ['ignore', camLog, camLog] },
  );
  children.push({ name: 'camera', proc: cam });
  const edgeConfig = path.join(DEMO, 'edge-boots.json');
  fs.writeFileSync(
    edgeConfig,
    JSON.stringify(
      {
        hub: { mqttUrl: `mqtt://127.0.0.1:${MQTT_PORT}`, httpUrl: HUB },
        device: { id: 'edge-boots', secret: 'demo-edge-boots-secret-change-me', scheme: 'demo' },
        cameras: [
          {
            id: 'entrance',
            name: 'Boots entrance',
            url: `rtsp://127.0.0.1:${RTSP_PORT}/boots-entrance`,
            detectFps: 5,
            detectSize: { width: 768, height: 576 },
          },
        ],
        spool: { dir: path.join(DATA, 'edge-boots'), quotaBytes: '2GB' },
        // The pre-roll buffer records every passer-by: in RAM (/dev/shm is tmpfs), one per data folder
        // so two demos never share it. The agent refuses a buffer on disk and empties it on start/stop.
        evidence: { preRollSeconds: 10, postRollSeconds: 10, bufferDir: demoBufferDir() },
      },
      null,
      2,
    ),
  );
  await new Promise((r) => setTimeout(r, 1500)); // let the camera listen
  start('edge agent', ['edge-agent/src/main.ts', '--config', edgeConfig], {}, path.join(DATA, 'edge-boots.log'));

  console.log(`
ShopWatch demo is running.

  Dashboard:  http://localhost:${HTTP_PORT}
  Logins:     ${DEMO_USERS.map(
    (u) => `${u.username} / ${u.password} ` + `(${u.role}${'store' in u ? `, ${u.store}` : ''})`,
  ).join('\n              ')}
  Radios:     MQTT on port ${MQTT_PORT}, e.g.
              mosquitto_sub ${radioExampleArgs(RADIO_EXAMPLE).join(' ')}

The demo subject walks past the Boots entrance camera every 80 s: log in as "operator" and a
candidate appears in the review queue within a minute. Logs are in ${path.relative(ROOT, DATA) || '.'}/*.log.
Press Ctrl-C to stop everything.`);
}

function demoBufferDir(): string {
  return path.join('/dev/shm', `shopwatch-demo-${createHash('sha256').update(DATA).digest('hex').slice(0, 8)}-ring`);
}

async function shutdown(code: number) {
  if (stopping) return;
  stopping = true;
  console.log('\nstopping...');
  // Ctrl-C in a terminal reaches every child too; each may already be on its way out.
  for (const { name, proc } of children.reverse()) {
    const running = () => proc.exitCode === null && proc.signalCode === null;
    if (running()) {
      proc.kill('SIGTERM');
      // The edge agent finishes clips waiting for their post-roll (up to ~12 s) before it exits.
      const exited = await Promise.race([
        new Promise((r) => proc.once('exit', () => r(true))),
        new Promise((r) => setTimeout(() => r(false), 20_000)),
      ]);
      if (!exited) proc.kill('SIGKILL');
    }
    console.log(`  ${name} stopped`);
  }
  process.exit(code);
}

process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));
main().catch((err) => {
  console.error(`ShopWatch demo failed to start: ${(err as Error).message}`);
  void shutdown(1);
});
