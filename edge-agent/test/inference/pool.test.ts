import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadVision, type Vision } from '@shopwatch/models';
import { analyseWith } from '../../src/inference/analyser';
import { InferencePool } from '../../src/inference/pool';
import { decodeFrame } from '../support/frames';
import { faceVideo } from '../../../scripts/demo/media';

describe('inference pool (worker threads, one onnxruntime pipeline each)', () => {
  let pool: InferencePool;
  let vision: Vision;
  beforeAll(async () => {
    [pool, vision] = await Promise.all([InferencePool.start({ workers: 2 }), loadVision()]);
  }, 120_000);
  afterAll(async () => {
    await pool?.close();
    await vision?.close();
  });

  it('analyses frames of two cameras at the same time, with the same faces as in this thread', async () => {
    const video = await faceVideo();
    const a = await decodeFrame(video, 4, 768, 576, 'cam-a');
    const b = await decodeFrame(video, 5, 768, 576, 'cam-b');
    const { faces: expected } = await analyseWith(vision, a.rgb, 768, 576, { tiles: true });
    expect(expected.length).toBeGreaterThan(0);
    // Several rounds: on a box shared with other jobs one round may not overlap by chance.
    for (let round = 0; round < 4; round++) {
      const [fa, fb] = await Promise.all([
        pool.analyse(a.rgb, 768, 576, { tiles: true }),
        pool.analyse(b.rgb, 768, 576, { tiles: true }),
      ]);
      expect(fa.map((f) => f.box)).toEqual(expected.map((f) => f.box));
      expect(Array.from(fa[0]!.descriptor!)).toEqual(Array.from(expected[0]!.descriptor!));
      expect(fb.length).toBeGreaterThan(0);
    }
    expect(pool.stats.perWorker.map((w) => w.frames)).toEqual([4, 4]);
    const runs = pool.stats.recent;
    const overlapping = runs.some(
      (r) => r.worker === 0 && runs.some((o) => o.worker === 1 && o.startedAt < r.endedAt && r.startedAt < o.endedAt),
    );
    expect(overlapping).toBe(true);
    // The caller's frame is untouched (the worker got a copy).
    expect(a.rgb.length).toBe(768 * 576 * 3);
  }, 120_000);

  it('copies each frame into the buffer its worker handed back, never one allocated per frame', async () => {
    const video = await faceVideo();
    const face = await decodeFrame(video, 4, 768, 576);
    const blank = new Uint8Array(768 * 576 * 3).fill(128);
    const solo = await InferencePool.start({ workers: 1 });
    try {
      const counts: number[] = [];
      // Alternating pictures through one worker: a stale buffer would show the previous frame's faces.
      for (const rgb of [face.rgb, blank, face.rgb, blank, face.rgb]) {
        counts.push((await solo.analyse(rgb, 768, 576, { tiles: true })).length);
      }
      expect(counts[0]).toBeGreaterThan(0);
      expect(counts).toEqual([counts[0], 0, counts[0], 0, counts[0]]);
      expect(solo.buffersAllocated).toBe(1);
      expect(face.rgb.length).toBe(768 * 576 * 3); // the caller's frame was copied, not taken
    } finally {
      await solo.close();
    }
  }, 120_000);

  it('leaves faces under minFacePx undescribed, and its workers report the chips they described', async () => {
    const f = await decodeFrame(await faceVideo(), 4, 768, 576);
    const solo = await InferencePool.start({ workers: 1 });
    try {
      const all = await solo.analyse(f.rgb, 768, 576, { tiles: true }, { minFacePx: 30 });
      const width = Math.min(...all.map((x) => x.box.w));
      expect(all.length).toBeGreaterThan(0);
      expect(width).toBeGreaterThanOrEqual(30); // the subject's face at 768 px: described
      expect(all.every((x) => x.descriptor && !x.undescribed)).toBe(true);
      const described = solo.chipsDescribed;
      expect(described).toBeGreaterThanOrEqual(all.length);
      // The same frame with the gate above every face: detected, none described, no chip inferred.
      const small = await solo.analyse(f.rgb, 768, 576, { tiles: true }, { minFacePx: width + 1 });
      expect(small.map((x) => x.box)).toEqual(all.map((x) => x.box));
      expect(small.every((x) => x.descriptor === null && x.undescribed === 'small' && x.quality === 0)).toBe(true);
      expect(solo.chipsDescribed).toBe(described);
    } finally {
      await solo.close();
    }
  }, 120_000);

  it('fails one frame with a clear error and keeps serving', async () => {
    await expect(pool.analyse(new Uint8Array(10), 768, 576, {})).rejects.toThrow(/bytes/);
    const f = await decodeFrame(await faceVideo(), 4, 768, 576);
    expect((await pool.analyse(f.rgb, 768, 576, { tiles: true })).length).toBeGreaterThan(0);
  }, 60_000);
});
