import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Camera } from '../../src/camera/camera';
import { ringKeepSeconds } from '../../src/camera/cameras';
import { CameraConfig } from '../../src/config';
import { cutClip } from '../../src/evidence/clip';
import { sha256 } from '../../src/evidence/hash';
import { SegmentRing } from '../../src/evidence/segment-ring';
import { probe, testVideo } from '../../../scripts/demo/media';
import { startRtspServer, type RtspServer } from '../support/rtsp-server';
import { waitFor } from '../support/wait';

const run = promisify(execFile);
const SEGMENT_SECONDS = 2;
const PRE_ROLL = 10; // the defaults of the config
const POST_ROLL = 10;
const KEEP_SECONDS = ringKeepSeconds({ preRollSeconds: PRE_ROLL, segmentSeconds: SEGMENT_SECONDS });

let rtsp: RtspServer;
let dir: string;
let camera: Camera;
let ring: SegmentRing;
let source: string;
let startedAt: number;

/** MD5 of every decoded frame: equal lists mean equal pictures, whatever the container. */
async function frameMd5s(file: string): Promise<string[]> {
  const { stdout } = await run('ffmpeg', ['-v', 'error', '-i', file, '-map', '0:v:0', '-f', 'framemd5', '-'], {
    maxBuffer: 64 << 20,
  });
  return stdout
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => l.split(',').at(-1)!.trim());
}

beforeAll(async () => {
  source = await testVideo();
  rtsp = await startRtspServer({ mounts: { cam1: source } });
  dir = mkdtempSync(join(tmpdir(), 'edge-clip-'));
  const segmentDir = join(dir, 'ring');
  camera = new Camera({
    camera: CameraConfig.parse({
      id: 'cam1',
      name: 'Till',
      url: rtsp.url('cam1'),
      detectSize: { width: 384, height: 288 },
    }),
    segmentDir,
    segmentSeconds: SEGMENT_SECONDS,
    watchdogTimeoutSeconds: 10,
    onFrame: () => {},
  });
  ring = new SegmentRing({
    dir: segmentDir,
    segmentSeconds: SEGMENT_SECONDS,
    keepSeconds: KEEP_SECONDS,
    pruneIntervalMs: 500,
  });
  camera.start();
  ring.start();
  startedAt = Date.now();
  await waitFor(() => camera.status?.status === 'online', 20_000, 'camera online');
});

afterAll(async () => {
  ring?.stop();
  await camera?.stop();
  await rtsp?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('evidence from the rolling buffer', () => {
  it('cuts a stream-copied clip covering pre-roll and post-roll around a moment', async () => {
    await waitFor(() => Date.now() - startedAt > (PRE_ROLL + SEGMENT_SECONDS + 2) * 1000, 30_000, 'the pre-roll');
    const captureMs = Date.now();
    const pre = PRE_ROLL;
    const post = POST_ROLL;
    const clip = await cutClip({
      ring,
      captureMs,
      preRollSeconds: pre,
      postRollSeconds: post,
      segmentSeconds: SEGMENT_SECONDS,
      outFile: join(dir, 'clip.mp4'),
    });
    const waited = Date.now() - captureMs;
    console.log(
      `clip: asked ${pre}+${post} s, got ${clip.durationSeconds.toFixed(2)} s from ${clip.segments} ` +
        `segments, ready ${waited} ms after the moment, ${clip.bytes} bytes`,
    );

    expect(waited).toBeGreaterThanOrEqual(post * 1000);
    expect(clip.durationSeconds).toBeGreaterThanOrEqual(pre + post - SEGMENT_SECONDS);
    expect(clip.startMs).toBeLessThanOrEqual(captureMs - pre * 1000 + 1000);
    expect(clip.endMs).toBeGreaterThanOrEqual(captureMs + post * 1000);
    expect(clip.complete).toBe(true);
    // the camera's own codec and full resolution, not the detect size
    const probed = await probe(clip.file);
    expect(probed).toMatchObject({ codec: 'h264', width: 768, height: 576 });
    expect(clip).toMatchObject({ codec: 'h264', width: 768, height: 576 });
    expect(Math.abs(probed.duration - clip.durationSeconds)).toBeLessThan(0.01);
    expect(clip.sha256).toBe(sha256(readFileSync(clip.file)));
    expect(readdirSync(dir).filter((f) => f.includes('.tmp') || f.endsWith('.ffconcat'))).toEqual([]);
    expect(ring.segments().length).toBeGreaterThan(0);

    // Not re-encoded: every decoded picture of the clip is a picture of the source file, bit for bit.
    const sourceFrames = new Set(await frameMd5s(source));
    const clipFrames = await frameMd5s(clip.file);
    expect(clipFrames.length).toBeGreaterThanOrEqual((pre + post - SEGMENT_SECONDS) * 10);
    expect(clipFrames.filter((h) => !sourceFrames.has(h))).toEqual([]);
  }, 60_000);

  it('keeps only the configured window of segments', async () => {
    // run well past the window so that pruning has had work to do
    await waitFor(() => Date.now() - startedAt > (KEEP_SECONDS + 6) * 1000, 40_000, 'a full window');
    const segments = ring.segments();
    const now = Date.now();
    const oldestEndAgo = (now - segments[0].endMs) / 1000;
    const span = (segments.at(-1)!.endMs - segments[0].startMs) / 1000;
    console.log(
      `ring: ${segments.length} segments spanning ${span.toFixed(1)} s, oldest ended ` +
        `${oldestEndAgo.toFixed(1)} s ago (window ${KEEP_SECONDS} s)`,
    );
    expect(oldestEndAgo).toBeLessThanOrEqual(KEEP_SECONDS + 1);
    expect(span).toBeGreaterThanOrEqual(KEEP_SECONDS - SEGMENT_SECONDS);
    expect(segments.length).toBeLessThanOrEqual(KEEP_SECONDS / SEGMENT_SECONDS + 2);
    // nothing but segments of the window and the run lists on disk
    const files = readdirSync(join(dir, 'ring'));
    expect(files.filter((f) => f.endsWith('.ts')).length).toBeLessThanOrEqual(segments.length + 1);
  });

  it('holds the segments of a pending clip past the window', async () => {
    const oldest = ring.segments()[0];
    const release = ring.hold(oldest.startMs, oldest.endMs);
    await new Promise((r) => setTimeout(r, 3000));
    expect(ring.segments()[0].file).toBe(oldest.file);
    release();
    ring.prune();
    expect(ring.segments()[0].file).not.toBe(oldest.file);
  });
});
