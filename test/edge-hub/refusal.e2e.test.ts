import { createHash, randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadVision, type Vision } from '@shopwatch/models';
import type { ReviewCandidate } from '@shopwatch/protocols';
import { login, startTestHub, tempDir } from '../../hub/test/support/hub';
import { type RunningAgent, startAgent } from '../../edge-agent/src/agent';
import { parseConfig } from '../../edge-agent/src/config';
import { facePhoto, faceVideo } from '../../scripts/demo/media';
import { memoryDir } from '../../edge-agent/test/support/memory-dir';
import { type RtspServer, startRtspServer } from '../../edge-agent/test/support/rtsp-server';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

type Maybe<T> = T | null | undefined | false;

async function until<T>(what: string, timeoutMs: number, fn: () => Promise<Maybe<T>> | Maybe<T>): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Media files (pictures, clips) under a folder, recursively. */
function mediaUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.(jpe?g|mp4|ts)$/i.test(e.name))
    .map((e) => path.join(e.parentPath, e.name));
}

describe('evidence the hub refuses is never marked delivered; a confirmed match keeps its clip (issue 11.1)', () => {
  let hub: Awaited<ReturnType<typeof startTestHub>>;
  let rtsp: RtspServer;
  let vision: Vision;
  let agent: RunningAgent | null = null;
  let coord: string, op: string;
  const rings: string[] = [];
  const call = async (method: string, p: string, token: string, body?: unknown) => {
    const res = await fetch(`${hub.http}${p}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': Buffer.isBuffer(body) ? 'image/jpeg' : 'application/json',
      },
      body:
        body === undefined ? undefined : Buffer.isBuffer(body) ? (body as unknown as BodyInit) : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as any };
  };
  const config = (dir: string) => {
    const ring = memoryDir();
    rings.push(ring);
    return parseConfig({
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
      evidence: { preRollSeconds: 2, postRollSeconds: 4, segmentSeconds: 1, bufferDir: ring },
      logLevel: 'warn',
    });
  };
  /** Starts an agent and returns the first candidate the hub queues, as soon as it is there. */
  const firstCandidate = async (dir: string) => {
    agentDir = dir;
    agent = await startAgent(config(dir), vision);
    return until('a candidate in the review queue', 90_000, async () => {
      const list = (await call('GET', '/api/review', op)).body as ReviewCandidate[];
      return list.find((c) => c.status === 'pending' && c.deviceId === 'edge-boots');
    });
  };
  const clipItem = (candidateId: string) => agent!.spool.get(`${candidateId}/clip`);
  let agentDir = '';
  const deliveredClip = (candidateId: string) => {
    const item = clipItem(candidateId);
    return item?.deliveredAt ? item : null;
  };

  beforeAll(async () => {
    const camera = startRtspServer({ mounts: { cam1: await faceVideo() } });
    [hub, rtsp, vision] = await Promise.all([startTestHub(), camera, loadVision()]);
    coord = await login(hub.http, 'coord', 'coord-password');
    op = await login(hub.http, 'operator', 'operator-password');
    const inc = await call('POST', '/api/incidents', coord, {
      type: 'theft',
      occurredAt: new Date().toISOString(),
      store: 'boots',
      description: 'Theft of razor blades',
      statement: 'I watched him put razor blades in his coat and leave without paying.',
    });
    const s = await call('POST', '/api/gallery/subjects', coord, {
      alias: 'Razor Man',
      status: 'known',
      reason: 'repeat-offending',
      incidentIds: [inc.body.id],
      under18: false,
      vulnerable: false,
    });
    const photo = fs.readFileSync(await facePhoto());
    const enrolled = await call('POST', `/api/gallery/subjects/${s.body.id}/photos?source=test`, coord, photo);
    expect(enrolled.body.templates).toBe(1);
  }, 120_000);
  afterAll(async () => {
    await agent?.stop();
    await rtsp?.close();
    await vision?.close();
    await hub?.stop();
    for (const r of rings) fs.rmSync(r, { recursive: true, force: true });
  });

  it('a candidate confirmed at once still gets its clip, verified by the hub, ~post-roll later', async () => {
    const dir = tempDir('shopwatch-edge-refusal-');
    const candidate = await firstCandidate(dir);
    // The reviewer confirms before the post-roll is even recorded.
    const verdict = { verdict: 'confirm', reason: 'same face as the enrolment photo' };
    const decided = await call('POST', `/api/review/${candidate.id}/decision`, op, verdict);
    expect(decided.body.status).toBe('confirmed');
    expect(decided.body.clip).toBeNull(); // the clip has not arrived yet

    const withClip = await until('the clip of the confirmed candidate', 60_000, async () => {
      const c = (await call('GET', `/api/review/${candidate.id}`, op)).body as ReviewCandidate;
      return c.clip && c.files.find((f) => f.kind === 'clip' && f.verified) ? c : null;
    });
    expect(withClip.status).toBe('confirmed');
    expect(withClip.clip).toMatchObject({ codec: 'h264', error: null });
    // pre-roll + post-roll, cut at key frames
    expect(withClip.clip!.durationSeconds!).toBeGreaterThanOrEqual(2 + 4 - 1);
    const onHub = fs.readFileSync(path.join(hub.dataDir, 'evidence', candidate.id, 'clip.mp4'));
    expect(withClip.files.find((f) => f.kind === 'clip')!.sha256).toBe(sha(onHub));
    // The edge marked it uploaded because the hub verified it — not refused, nothing pending.
    const item = await until('the clip item delivered', 10_000, () => deliveredClip(candidate.id));
    expect(item.files[0]).toMatchObject({ name: 'clip.mp4', uploadedAt: expect.any(Number) });
    expect(item.files[0].refusedAt ?? null).toBeNull();
    expect(agent!.spool.usage()).toMatchObject({ undelivered: 0, refusedFiles: 0 });
  }, 180_000);

  it('a file the hub refuses for good stays in the spool with the reason, is reported, and is not resent', async () => {
    // A clip for a candidate this hub never heard of (its report was refused or lost): 404.
    const candidateId = randomUUID();
    const bytes = randomBytes(64 * 1024);
    const payload = {
      candidateId,
      cameraId: 'cam-1',
      captureAt: new Date().toISOString(),
      file: 'clip.mp4',
      sha256: sha(bytes),
      bytes: bytes.length,
    };
    const files = [{ name: 'clip.mp4', data: bytes }];
    await agent!.spool.enqueue({ id: `${candidateId}/clip`, kind: 'clip', payload }, files);
    const item = await until('the hub to answer', 30_000, () => deliveredClip(candidateId));
    const file = item.files[0]!;
    expect(file).toMatchObject({ uploadedAt: null, refusedAt: expect.any(Number), purgedAt: null });
    expect(file.refusedReason).toMatch(/^404: /);
    expect(fs.readFileSync(file.path!)).toEqual(bytes); // kept, bit for bit
    // Reported where the engineer and the container health check look.
    const health = JSON.parse(fs.readFileSync(path.join(agentDir, 'spool', 'health.json'), 'utf8'));
    expect(health.spool.refused).toEqual([
      expect.objectContaining({ itemId: `${candidateId}/clip`, name: 'clip.mp4', purged: false }),
    ]);
    expect(health.spool.refusedFiles).toBe(1);
    // Not retried: the refusal stands as it was, the queue moved on.
    await new Promise((r) => setTimeout(r, 3000));
    expect(clipItem(candidateId)!.files[0]).toMatchObject({ refusedAt: file.refusedAt, uploadedAt: null });
    expect(agent!.spool.usage().undelivered).toBe(0);
    await agent!.stop();
    agent = null;
  }, 60_000);

  it('a candidate rejected before its clip arrives: 410 from the hub, the edge deletes all its media too', async () => {
    const dir = tempDir('shopwatch-edge-refusal-');
    const candidate = await firstCandidate(dir);
    const verdict = { verdict: 'reject', reason: 'a different man' };
    const decided = await call('POST', `/api/review/${candidate.id}/decision`, op, verdict);
    expect(decided.body.status).toBe('rejected');

    const item = await until('the clip item answered', 60_000, () => deliveredClip(candidate.id));
    const clip = item.files.find((f) => f.name === 'clip.mp4')!;
    expect(clip).toMatchObject({
      uploadedAt: null,
      refusedAt: expect.any(Number),
      purgedAt: expect.any(Number),
      path: null,
    });
    expect(clip.refusedReason).toMatch(/^410\b/); // gone: rejected, its media deleted
    // The crop and frame of that candidate go too: the person matched nobody.
    for (const f of agent!.spool.get(candidate.id)!.files) expect(f.path).toBeNull();
    expect(mediaUnder(path.join(dir, 'spool'))).toEqual([]);
    // The hub holds no clip of the rejected candidate either (its clip report was refused: gone).
    const atHub = (await call('GET', `/api/review/${candidate.id}`, op)).body as ReviewCandidate;
    expect(atHub.status).toBe('rejected');
    expect(atHub.files.filter((f) => f.kind === 'clip' && f.verified)).toEqual([]);
  }, 180_000);
});
