import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadVision, type Vision } from '@shopwatch/models';
import type { Frame } from '../../src/camera/frame-reader';
import { createLogger } from '../../src/log';
import { FaceMatcher } from '../../src/matching/matcher';
import type { CandidateRequest } from '../../src/ports';
import { memoryDir } from '../support/memory-dir';
import { oneSubjectGallery } from '../support/gallery';
import { demoSubject, footage, pasteHead, type Subject } from '../support/walking-subject';

const W = 768;
const H = 576;
const FACE = 60;
/** Walking pace of the pasted head, px per frame at 5 fps: half a face width. */
const STEP = 30;

describe('judged tracks cost no detector run between looks (issue 15)', () => {
  let vision: Vision;
  let subject: Subject;
  const dirs: string[] = [];
  beforeAll(async () => {
    vision = await loadVision();
    subject = await demoSubject(vision, FACE);
  });
  afterAll(async () => {
    await vision?.close();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it('looks at a reported face every third frame only, and still follows it on its track', async () => {
    const dir = memoryDir('shopwatch-test-gallery-');
    dirs.push(dir);
    const gallery = oneSubjectGallery(dir, subject.descriptor);
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
    const t0 = Date.now();
    // One real picture held still (the street's walkers would move too), the head pasted on it.
    const [still] = await footage(30, 0.2, W, H);
    const frames: Frame[] = Array.from({ length: 20 }, (_, i) => {
      const rgb = Buffer.from(still!);
      if (i >= 3) {
        pasteHead(subject, rgb, W, 40 + (i - 3) * STEP, 380);
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
