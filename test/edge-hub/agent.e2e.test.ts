import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadVision, type Vision } from '@shopwatch/models';
import { type DeviceSummary, ReviewCandidate } from '@shopwatch/protocols';
import { login, startTestHub, tempDir } from '../../hub/test/support/hub';
import { groupPhotos } from '../../models/test/fixtures';
import { type RunningAgent, startAgent } from '../../edge-agent/src/agent';
import { parseConfig } from '../../edge-agent/src/config';
import { faceVideo, facePhoto } from '../../scripts/demo/media';
import { memoryDir } from '../../edge-agent/test/support/memory-dir';
import { type RtspServer, startRtspServer } from '../../edge-agent/test/support/rtsp-server';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, timeoutMs: number, fn: () => Promise<T | null | undefined | false>): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(250);
  }
}

/** Every file under a folder, recursively. */
function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
}

describe('edge agent against a real RTSP camera and a real hub', () => {
  let hub: Awaited<ReturnType<typeof startTestHub>>;
  let rtsp: RtspServer;
  let vision: Vision;
  let agent: RunningAgent | null = null;
  let coord: string, op: string;
  const call = async (method: string, p: string, token: string, body?: unknown) => {
    const res = await fetch(`${hub.http}${p}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': Buffer.isBuffer(body) ? 'image/png' : 'application/json',
      },
      body:
        body === undefined ? undefined : Buffer.isBuffer(body) ? (body as unknown as BodyInit) : JSON.stringify(body),
    });
    return (await res.json()) as any;
  };
  const enrol = async (alias: string, photo: Buffer) => {
    const inc = await call('POST', '/api/incidents', coord, {
      type: 'theft',
      occurredAt: new Date().toISOString(),
      store: 'boots',
      description: 'Theft of razor blades',
      statement: 'I watched him put razor blades in his coat and leave without paying.',
    });
    const s = await call('POST', '/api/gallery/subjects', coord, {
      alias,
      status: 'known',
      reason: 'repeat-offending',
      incidentIds: [inc.id],
      under18: false,
      vulnerable: false,
    });
    const withPhoto = await call('POST', `/api/gallery/subjects/${s.id}/photos?source=test`, coord, photo);
    expect(withPhoto.templates).toBe(1);
    return s.id as string;
  };
  const config = (dir: string, overrides: Record<string, unknown> = {}) =>
    parseConfig({
      hub: { mqttUrl: `mqtt://127.0.0.1:${hub.mqttPort}`, httpUrl: hub.http },
      device: { id: 'edge-boots', secret: 'edge-boots-secret-for-tests', scheme: 'town' },
      cameras: [
        {
          id: 'cam-1',
          name: 'Boots entrance',
          url: rtsp.url('cam1'),
          detectFps: 5,
          detectSize: { width: 768, height: 576 },
        },
      ],
      thresholds: { frames: 3, windowSeconds: 3 },
      spool: { dir: path.join(dir, 'spool'), quotaBytes: '500MB' },
      evidence: { preRollSeconds: 2, postRollSeconds: 4, segmentSeconds: 1, bufferDir: memoryDir() },
      watchdog: { timeoutSeconds: 10 },
      logLevel: 'warn',
      ...overrides,
    });

  beforeAll(async () => {
    [hub, rtsp, vision] = await Promise.all([
      startTestHub(),
      startRtspServer({ mounts: { cam1: await faceVideo() } }),
      loadVision(),
    ]);
    [coord, op] = await Promise.all([
      login(hub.http, 'coord', 'coord-password'),
      login(hub.http, 'operator', 'operator-password'),
    ]);
  });
  afterAll(async () => {
    await agent?.stop();
    await rtsp?.close();
    await vision?.close();
    await hub?.stop();
  });

  it('sees faces that match nobody, and writes, spools and sends nothing about them', async () => {
    // The gallery holds somebody else: a woman from a face-api demo photo.
    const dir = tempDir('shopwatch-edge-');
    const oneFace = await findOneFaceCrop(vision);
    await enrol('Somebody Else', oneFace);
    agent = await startAgent(config(dir), vision);
    await until('the camera online at the hub', 25_000, async () => {
      const devices = (await call('GET', '/api/devices', op)) as DeviceSummary[];
      return devices
        .find((d) => d.id === 'edge-boots')
        ?.cameras.find((c) => c.cameraId === 'cam-1' && c.status === 'online');
    });
    await until('the face to pass in front of the camera', 40_000, async () => agent!.matcher.stats.faces >= 5);
    expect(agent.matcher.stats.matches).toBe(0);
    expect(agent.matcher.stats.candidates).toBe(0);
    await agent.stop();
    agent = null;
    const spoolFiles = filesUnder(path.join(dir, 'spool')).map((f) => path.basename(f));
    expect(spoolFiles.filter((f) => /\.(jpe?g|png|mp4|ts)$/i.test(f))).toEqual([]);
    expect((await call('GET', '/api/review?status=all', op)) as unknown[]).toEqual([]);
  }, 120_000);

  it('turns a gallery subject in the stream into a pending candidate with a verified clip', async () => {
    const dir = tempDir('shopwatch-edge-');
    const subjectId = await enrol('Razor Man', fs.readFileSync(await facePhoto()));
    agent = await startAgent(config(dir), vision);
    const candidate = await until('a candidate in the review queue', 60_000, async () => {
      const list = (await call('GET', '/api/review', op)) as ReviewCandidate[];
      return list.find((c) => c.subjectId === subjectId);
    });
    expect(ReviewCandidate.parse(candidate)).toMatchObject({
      status: 'pending',
      deviceId: 'edge-boots',
      cameraId: 'cam-1',
      store: 'boots',
      subjectAlias: 'Razor Man',
    });
    expect(candidate.frames).toBeGreaterThanOrEqual(3);
    // clockOffsetMs = edge clock − hub clock, so the capture in hub time is capturedAt − offset.
    const captureToQueueMs =
      Date.parse(candidate.receivedAt) - Date.parse(candidate.capturedAt) + candidate.clockOffsetMs;
    console.log(
      `capture → review queue: ${captureToQueueMs} ms (distance ${candidate.distance}, ${candidate.frames} frames)`,
    );
    expect(captureToQueueMs).toBeLessThan(5000);

    const withClip = await until('the clip', 40_000, async () => {
      const c = (await call('GET', `/api/review/${candidate.id}`, op)) as ReviewCandidate;
      return c.clip && c.files.find((f) => f.kind === 'clip' && f.verified) ? c : null;
    });
    expect(withClip.clip).toMatchObject({ codec: 'h264', error: null });
    expect(withClip.clip!.durationSeconds!).toBeGreaterThanOrEqual(2 + 4 - 1);
    const clipFile = path.join(hub.dataDir, 'evidence', candidate.id, 'clip.mp4');
    const hash = (await import('node:crypto')).createHash('sha256').update(fs.readFileSync(clipFile)).digest('hex');
    expect(withClip.files.find((f) => f.kind === 'clip')!.sha256).toBe(hash);
    expect(agent.spool.usage().undelivered).toBe(0);
  }, 150_000);
});

/** One face, alone in its crop, from a face-api demo photo (somebody who is not in the video). */
async function findOneFaceCrop(vision: Vision): Promise<Buffer> {
  const { decodeImage } = await import('@shopwatch/models');
  const img = await decodeImage(groupPhotos[0]!.path);
  const [face] = await vision.detectFaces(img.rgb, img.width, img.height);
  const m = Math.round(face!.box.w * 0.6);
  const left = Math.max(0, Math.round(face!.box.x) - m);
  const top = Math.max(0, Math.round(face!.box.y) - m);
  return sharp(groupPhotos[0]!.path)
    .extract({
      left,
      top,
      width: Math.min(img.width - left, Math.round(face!.box.w) + 2 * m),
      height: Math.min(img.height - top, Math.round(face!.box.h) + 2 * m),
    })
    .jpeg()
    .toBuffer();
}
