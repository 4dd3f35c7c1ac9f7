import { readFileSync } from 'node:fs';
import mqtt, { type MqttClient } from 'mqtt';
import WebSocket from 'ws';
import { type LiveViewServerMessage, type ProvisioningInput, inspectFragment, topics } from '@shopwatch/protocols';
import { CameraConfig } from '../../../edge-agent/src/config';
import { LiveStreamer } from '../../../edge-agent/src/live/live-streamer';
import { createLogger } from '../../../edge-agent/src/log';
import { type RtspServer, startRtspServer } from '../../../edge-agent/test/support/rtsp-server';
import { testVideo } from '../../../scripts/demo/media';
import { loadConfig } from '../../../hub/src/config';
import { type HubOptions, type RunningHub, startHub } from '../../../hub/src/hub';
import { tempDir, testScheme, writeSeed } from '../../../hub/test/support/hub';

/** The test scheme with live view for members switched on in "town" (and left at its default, off, in "city"). */
export function liveScheme(): ProvisioningInput {
  const seed = testScheme();
  const [town, ...others] = seed.schemes!;
  return {
    ...seed,
    schemes: [{ ...town!, settings: { ...town!.settings, liveViewMembers: true } }, ...others],
    users: [
      ...seed.users!,
      { username: 'argos-staff', password: 'argos-password', role: 'member', scheme: 'city', store: 'argos' },
    ],
    devices: [
      ...seed.devices!,
      { id: 'edge-argos', kind: 'edge', scheme: 'city', store: 'argos', secret: 'edge-argos-secret-for-tests' },
    ],
  };
}

export async function startLiveHub(
  options: HubOptions = {},
  seed = liveScheme(),
): Promise<RunningHub & { http: string; ws: string; dataDir: string }> {
  const dataDir = tempDir();
  const cfg = loadConfig(
    {},
    { httpPort: 0, mqttPort: 0, host: '127.0.0.1', dataDir, seed: writeSeed(dataDir, seed), logLevel: 'error' },
  );
  const hub = await startHub(cfg, options);
  return { ...hub, dataDir, http: `http://127.0.0.1:${hub.httpPort}`, ws: `ws://127.0.0.1:${hub.httpPort}` };
}

/** A real edge box's live side: its MQTT connection, a real RTSP camera, the real streamer (ffmpeg). */
export interface LiveEdge {
  client: MqttClient;
  rtsp: RtspServer;
  streamer: LiveStreamer;
  camera: CameraConfig;
  stop(): Promise<void>;
}

export async function startLiveEdge(
  hub: { mqttPort: number; http: string },
  opts: { id?: string; secret?: string; scheme?: string; cameraId?: string; url?: string } = {},
): Promise<LiveEdge> {
  const id = opts.id ?? 'edge-boots';
  const secret = opts.secret ?? 'edge-boots-secret-for-tests';
  const scheme = opts.scheme ?? 'town';
  const rtsp = await startRtspServer({ mounts: { sub: await testVideo() } });
  const camera = CameraConfig.parse({
    id: opts.cameraId ?? 'door',
    name: 'Front door',
    url: opts.url ?? rtsp.url('sub'),
    detectSize: { width: 320, height: 240 },
  });
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${hub.mqttPort}`, {
    username: id,
    password: secret,
    clientId: `${id}:agent`,
    reconnectPeriod: 0,
  });
  // The hub lists a camera once its box has reported it.
  await client.publishAsync(
    topics.cameraReport(scheme, id, camera.id),
    JSON.stringify({ status: 'online', name: camera.name }),
    { qos: 1 },
  );
  const streamer = new LiveStreamer({
    client,
    scheme,
    link: { httpUrl: hub.http, deviceId: id, secret },
    cameras: [camera],
    ffmpegPath: 'ffmpeg',
    log: createLogger('test:live'),
  });
  return {
    client,
    rtsp,
    streamer,
    camera,
    stop: async () => {
      await streamer.stop();
      await client.endAsync();
      await rtsp.close();
    },
  };
}

export async function login(http: string, username: string, password: string): Promise<string> {
  const r = await fetch(`${http}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (!r.ok) throw new Error(`login ${username}: ${r.status}`);
  return ((await r.json()) as { token: string }).token;
}

/**
 * A real WebSocket viewer at `/live/view`. Records text messages and binary segments (with the
 * fMP4 fragment sequence numbers); acknowledges what it receives unless told to hold back.
 */
export class TestViewer {
  readonly messages: LiveViewServerMessage[] = [];
  readonly segments: Buffer[] = [];
  readonly fragments: { sequence: number; keyframe: boolean; at: number }[] = [];
  autoAck = true;
  closed: Promise<{ code: number; reason: string }>;
  private waiters: (() => void)[] = [];

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer, isBinary) => {
      if (!isBinary) this.messages.push(JSON.parse(data.toString()));
      else {
        this.segments.push(data);
        if (this.segments.length > 1) this.fragments.push({ ...inspectFragment(data), at: Date.now() });
        if (this.autoAck) this.ack();
      }
      this.waiters.forEach((w) => {
        w();
      });
    });
    this.closed = new Promise((r) => ws.on('close', (code, reason) => r({ code, reason: reason.toString() })));
  }

  static async connect(
    wsBase: string,
    opts: { path?: string; headers?: Record<string, string> } = {},
  ): Promise<TestViewer> {
    const ws = new WebSocket(`${wsBase}${opts.path ?? '/live/view'}`, { headers: opts.headers });
    const v = new TestViewer(ws);
    await new Promise<void>((resolve, reject) => (ws.once('open', () => resolve()), ws.once('error', reject)));
    return v;
  }

  /** Signs in (first message), opens a camera with a reason. */
  static async open(
    wsBase: string,
    token: string,
    deviceId: string,
    cameraId: string,
    reason = 'checking the shop floor',
  ): Promise<TestViewer> {
    const v = await TestViewer.connect(wsBase);
    v.send({ type: 'hello', token });
    await v.until(() => v.messages.some((m) => m.type === 'authenticated' || m.type === 'error'));
    v.send({ type: 'open', deviceId, cameraId, reason });
    return v;
  }

  send(m: unknown) {
    this.ws.send(typeof m === 'string' ? m : JSON.stringify(m));
  }

  ack() {
    this.send({ type: 'ack', received: this.segments.length });
  }

  error() {
    type ErrorMessage = Extract<LiveViewServerMessage, { type: 'error' }>;
    return this.messages.find((m) => m.type === 'error') as ErrorMessage | undefined;
  }

  until(pred: () => boolean, timeoutMs = 15_000): Promise<void> {
    if (pred()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out; got ${JSON.stringify(this.messages)}`)), timeoutMs);
      const check = () =>
        pred() && (clearTimeout(timer), (this.waiters = this.waiters.filter((w) => w !== check)), resolve());
      this.waiters.push(check);
    });
  }

  close() {
    this.ws.close();
    return this.closed;
  }
}

/** CPU seconds (user + system) a process has used, from /proc/<pid>/stat. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After "(comm) ": state is field 3 of the man page, utime 14, stime 15 → indexes 11 and 12 here.
  const ticks = Number(fields[11]) + Number(fields[12]);
  return ticks / 100; // USER_HZ is 100 on Linux
}

/** True while a process with this pid exists. */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
