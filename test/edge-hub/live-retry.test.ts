import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haproxyConfig } from '../../hub/src/cluster/haproxy-config';
import { waitFor } from '../../hub/test/cluster/cluster-support';
import { spawnHaproxy } from '../../hub/test/support/haproxy';
import { freePort } from '../../hub/test/support/ports';
import { type LiveEdge, TestViewer, login, processExists, startLiveEdge, startLiveHub } from './support/live';

type Hub = Awaited<ReturnType<typeof startLiveHub>>;

/** One command on HAProxy's runtime API (its admin socket), as an operator would send it. */
function haproxyCommand(socket: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(socket);
    let out = '';
    s.on('connect', () => s.write(`${command}\n`));
    s.on('data', (d) => (out += d.toString()));
    s.on('end', () => resolve(out.trim()));
    s.on('error', reject);
  });
}

/** How many 5xx answers HAProxy's `http` frontend has given so far (its own statistics). */
async function frontDoor5xx(socket: string): Promise<number> {
  const csv = (await haproxyCommand(socket, 'show stat')).split('\n');
  const head = csv[0]!.replace(/^# /, '').split(',');
  const row = csv.find((l) => l.startsWith('http,FRONTEND,'))!.split(',');
  return Number(row[head.indexOf('hrsp_5xx')]);
}

/** What the front door answers for a plain request now (503 while the replica is in maintenance). */
const statusVia = async (http: string) => (await fetch(`${http}/readyz`)).status;

/**
 * Issue 14: an edge box's live socket can meet a 503 (the hub node cannot place the stream while
 * Redis is away, or the front door has no replica to give it while they restart). The box must
 * dial again with growing waits for as long as the stream is wanted, and stop when it is not.
 * The 503 here comes from a real HAProxy whose one replica an operator put in maintenance.
 */
describe('edge live socket refused with 503', () => {
  let hub: Hub;
  let edge: LiveEdge;
  let haproxy: ChildProcess;
  let admin: string;
  let front: string;
  let dir: string;

  const setState = async (state: 'maint' | 'ready') => {
    expect(await haproxyCommand(admin, `set server hub_http/hub-a state ${state}`)).toBe('');
    const want = state === 'maint' ? 503 : 200;
    await expect.poll(() => statusVia(front), { timeout: 5000 }).toBe(want);
  };

  const stream = () => [...edge.streamer.streams.values()][0];

  beforeAll(async () => {
    hub = await startLiveHub();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shopwatch-live-retry-'));
    admin = path.join(dir, 'admin.sock');
    const httpPort = await freePort();
    const cfg = haproxyConfig({
      servers: [{ name: 'hub-a', host: '127.0.0.1', mqttPort: hub.mqttPort, httpPort: hub.httpPort }],
      mqttBind: `127.0.0.1:${await freePort()}`,
      httpBind: `127.0.0.1:${httpPort}`,
      maxconn: 200,
    }).replace('global\n', `global\n  stats socket ${admin} level admin\n`);
    const file = path.join(dir, 'haproxy.cfg');
    fs.writeFileSync(file, cfg);
    haproxy = spawnHaproxy(file);
    front = `http://127.0.0.1:${httpPort}`;
    await waitFor(async () => (await statusVia(front).catch(() => 0)) === 200, 15_000, 'the front door');
    // The box's MQTT goes straight to the hub; its live socket goes through the front door.
    edge = await startLiveEdge({ mqttPort: hub.mqttPort, http: front });
  }, 90_000);

  afterAll(async () => {
    await edge?.stop();
    await hub?.stop();
    haproxy?.kill('SIGKILL');
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('dials again with growing waits and streams once the front door lets it through', async () => {
    await setState('maint');
    const op = await login(hub.http, 'operator', 'operator-password');
    const viewer = await TestViewer.open(hub.ws, op, 'edge-boots', 'door', 'retry check');
    try {
      await expect.poll(() => stream()?.dials ?? 0, { timeout: 10_000, interval: 50 }).toBeGreaterThanOrEqual(3);
      const pid = stream()!.pid;
      const t0 = Date.now();
      await setState('ready');
      await viewer.until(() => viewer.fragments.length >= 3, 20_000);
      expect(viewer.error()).toBeUndefined();
      // One stream, one ffmpeg throughout: the box redialled, it did not restart the camera.
      expect(edge.streamer.started).toBe(1);
      expect(stream()!.pid).toBe(pid);
      // Growing waits (250, 500, 1000, 2000 ms...), not a spin: a handful of dials in these seconds.
      const seconds = (Date.now() - t0) / 1000 + 4;
      expect(stream()!.dials).toBeLessThanOrEqual(3 + Math.ceil(seconds / 2));
      // The viewer starts from a key frame, fragments in order.
      expect(viewer.fragments[0]!.keyframe).toBe(true);
      const seqs = viewer.fragments.map((f) => f.sequence);
      expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    } finally {
      await viewer.close();
    }
    await expect.poll(() => edge.streamer.streams.size, { timeout: 30_000 }).toBe(0);
  }, 90_000);

  it('stops dialling and ends its ffmpeg when the hub gives the stream up', async () => {
    await setState('maint');
    const op = await login(hub.http, 'operator', 'operator-password');
    const viewer = await TestViewer.open(hub.ws, op, 'edge-boots', 'door', 'retry gives up');
    await expect.poll(() => stream()?.dials ?? 0, { timeout: 10_000, interval: 50 }).toBeGreaterThanOrEqual(2);
    const s = stream()!;
    const pid = s.pid!;
    // The hub waits 15 s for the box's socket, then tells the viewer and asks the box to stop.
    await viewer.until(() => viewer.messages.some((m) => m.type === 'ended' || m.type === 'error'), 30_000);
    await expect.poll(() => edge.streamer.streams.size, { timeout: 10_000 }).toBe(0);
    await expect.poll(() => processExists(pid), { timeout: 5000 }).toBe(false);
    const dials = s.dials;
    await new Promise((r) => setTimeout(r, 3000));
    expect(s.dials).toBe(dials); // no dial after the stream was given up
    await viewer.close();
    await setState('ready');
  }, 90_000);

  it('sends a thumbnail the front door first refused, while the hub still waits for it', async () => {
    await setState('maint');
    const before = await frontDoor5xx(admin);
    const op = await login(hub.http, 'operator', 'operator-password');
    const thumbnail = fetch(`${hub.http}/api/live/thumbnails/edge-boots/door`, {
      headers: { authorization: `Bearer ${op}` },
    });
    // The box's dials refused by the front door (nothing else goes through it meanwhile).
    await expect.poll(async () => (await frontDoor5xx(admin)) - before, { timeout: 8000 }).toBeGreaterThanOrEqual(2);
    await setState('ready');
    const r = await thumbnail;
    expect(r.status).toBe(200);
    const jpeg = Buffer.from(await r.arrayBuffer());
    expect([jpeg[0], jpeg[1], jpeg.at(-2), jpeg.at(-1)]).toEqual([0xff, 0xd8, 0xff, 0xd9]);
  }, 60_000);
});
