import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeImage, loadVision, type Vision } from '@shopwatch/models';
import { encodeDescriptor } from '@shopwatch/protocols';
import type { Frame } from '../../src/camera/frame-reader';
import { GalleryStore } from '../../src/gallery/store';
import { createLogger } from '../../src/log';
import { FaceMatcher } from '../../src/matching/matcher';
import type { CandidateRequest } from '../../src/ports';
import { memoryDir } from '../support/memory-dir';
import { facePhoto, testVideo } from '../../../scripts/demo/media';

const run = promisify(execFile);
const W = 768;
const H = 576;
const FACE = 60;
/** Walking pace of the pasted head, px per frame at 5 fps: half a face width. */
const STEP = 30;

/** 5 fps of real footage (vtest.avi) from `from` s, 768x576 RGB. */
async function footage(from: number, seconds: number): Promise<Buffer[]> {
  const args = ['-v', 'error', '-ss', String(from), '-t', String(seconds), '-i', await testVideo()];
  args.push('-vf', `fps=5,scale=${W}:${H}`, '-pix_fmt', 'rgb24', '-f', 'rawvideo', 'pipe:1');
  const { stdout } = await run('ffmpeg', args, { encoding: 'buffer', maxBuffer: 256 << 20 });
  const size = W * H * 3;
  return Array.from({ length: Math.floor(stdout.length / size) }, (_, i) =>
    Buffer.from(stdout.subarray(i * size, (i + 1) * size)),
  );
}

describe('judged tracks cost no detector run between looks (issue 15)', () => {
  let vision: Vision;
  let head: Buffer;
  let subject: Float32Array;
  const dirs: string[] = [];
  beforeAll(async () => {
    vision = await loadVision();
    const photo = await decodeImage(await facePhoto());
    const [f] = await vision.detectFaces(photo.rgb, photo.width, photo.height);
    subject = await vision.describeFace(vision.alignFace(photo.rgb, photo.width, photo.height, f!));
    // The whole head (the photo around the face box), shrunk so the face is ~FACE px wide.
    const m = Math.round(f!.box.w * 0.35);
    const left = Math.max(0, Math.round(f!.box.x) - m);
    const top = Math.max(0, Math.round(f!.box.y) - m);
    const side = Math.min(Math.round(f!.box.w) + 2 * m, photo.width - left, photo.height - top);
    const headSide = Math.round((FACE * side) / f!.box.w);
    head = await sharp(await facePhoto())
      .extract({ left, top, width: side, height: side })
      .resize(headSide, headSide)
      .removeAlpha()
      .raw()
      .toBuffer();
  });
  afterAll(async () => {
    await vision?.close();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it('looks at a reported face every third frame only, and still follows it on its track', async () => {
    const dir = memoryDir('shopwatch-test-gallery-');
    dirs.push(dir);
    const gallery = new GalleryStore(dir);
    const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
    gallery.apply({
      scheme: 'town',
      version: 1,
      templates: [{ subjectId: 'S', templateId: 't1', version: 1, descriptor: encodeDescriptor(subject), expiresAt }],
    });
    const submitted: CandidateRequest[] = [];
    const matcher = new FaceMatcher({
      vision,
      gallery,
      sink: { submit: async (r) => void submitted.push(r) },
      log: createLogger('test:judged-skip'),
      threshold: vision.matchThreshold,
      frames: 3,
      windowSeconds: 3,
      clockOffsetMs: () => 0,
    });
    // The subject's head walks across the still lawn from the 4th frame on, STEP px a frame.
    const side = Math.round(Math.sqrt(head.length / 3));
    const t0 = Date.now();
    // One real picture held still (the street's walkers would move too), the head pasted on it.
    const [still] = await footage(30, 0.2);
    const frames: Frame[] = Array.from({ length: 20 }, (_, i) => {
      const rgb = Buffer.from(still!);
      if (i >= 3) {
        const x = 40 + (i - 3) * STEP;
        for (let r = 0; r < side; r++) head.copy(rgb, ((380 + r) * W + x) * 3, r * side * 3, (r + 1) * side * 3);
      }
      return { cameraId: 'cam-1', rgb, width: W, height: H, capturedAt: t0 + i * 200 };
    });
    let after: { frames: number; runs: number; chips: number; skipped: number } | null = null;
    for (const f of frames) {
      matcher.push(f);
      await matcher.idle();
      if (!after && submitted.length > 0) {
        const s = matcher.stats;
        after = { frames: s.framesAnalysed, runs: s.detectorRuns, chips: s.chipsDescribed, skipped: s.facesSkipped };
      }
    }
    expect(submitted.map((c) => c.payload.subjectId)).toEqual(['S']);
    const s = matcher.stats;
    const framesAfter = s.framesAnalysed - after!.frames;
    const runsAfter = s.detectorRuns - after!.runs;
    console.log(
      `[judged-skip] ${framesAfter} frames after the candidate: ${runsAfter} detector runs, ` +
        `${s.facesSkipped - after!.skipped} faces followed on the judged track, ` +
        `${s.chipsDescribed - after!.chips} chips described`,
    );
    expect(framesAfter).toBeGreaterThanOrEqual(9);
    // Before: a run in every one of these frames. Now one look every 600 ms (every third frame).
    expect(runsAfter).toBeLessThanOrEqual(Math.ceil(framesAfter / 3) + 1);
    // Each look found the face 90 px on (1.5 face widths) and put it on the judged track, from
    // where the track's speed said it would be: no new track, so nothing described again.
    expect(s.facesSkipped - after!.skipped).toBeGreaterThanOrEqual(Math.floor(framesAfter / 3) - 1);
    expect(s.chipsDescribed).toBe(after!.chips);
  }, 120_000);
});
