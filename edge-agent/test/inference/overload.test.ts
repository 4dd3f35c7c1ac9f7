import { describe, expect, it } from 'vitest';
import { FairScheduler } from '../../src/inference/scheduler';
import { createLogger } from '../../src/log';
import { FaceMatcher } from '../../src/matching/matcher';
import { decodeFrame } from '../support/frames';
import { oneSubjectGallery } from '../support/gallery';
import { useRealPool } from '../support/real-pool';
import { faceVideo } from '../../../scripts/demo/media';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('back-pressure: frames skipped evenly across cameras, and counted', () => {
  it('serves the camera served least recently, so one busy camera cannot starve the others', async () => {
    const order: string[] = [];
    const release: (() => void)[] = [];
    const s = new FairScheduler<number>(
      () => 1,
      async (key) => {
        order.push(key);
        await new Promise<void>((r) => release.push(r));
      },
    );
    s.offer('a', 1); // runs at once
    s.offer('a', 2); // waits
    s.offer('b', 1);
    s.offer('a', 3); // waits too (two a camera may have waiting)
    s.offer('a', 4); // over the bound: replaces a:2, the oldest
    s.offer('c', 1);
    // b and c were never served: they go before a's second frame.
    for (let i = 0; i < 5; i++) {
      await sleep(1);
      release.shift()?.();
    }
    await s.idle();
    expect(order).toEqual(['a', 'b', 'c', 'a', 'a']);
    expect(Object.fromEntries(s.skipped)).toEqual({ a: 1 });
  });

  describe('with the real pool and real frames', () => {
    const real = useRealPool(1);

    it('skips about as many frames of each of three cameras when inference cannot keep up', async () => {
      const { vision, pool, dir } = real;
      const gallery = oneSubjectGallery(dir);
      // motion: false: every frame is a full search (40-70 ms), so 3 cameras at 20 fps overload one worker.
      const matcher = new FaceMatcher({
        vision,
        analyser: pool,
        gallery,
        sink: { submit: async () => {} },
        log: createLogger('test:matcher'),
        threshold: 0.5,
        frames: 3,
        windowSeconds: 3,
        clockOffsetMs: () => 0,
        motion: false,
      });
      const video = await faceVideo();
      const cams = ['cam-a', 'cam-b', 'cam-c'];
      const frames = await Promise.all(cams.map((c, i) => decodeFrame(video, 4 + i, 768, 576, c)));
      let pushed = 0;
      const until = Date.now() + 4000;
      while (Date.now() < until) {
        for (const f of frames) {
          matcher.push({ ...f, capturedAt: Date.now() });
          pushed++;
        }
        await sleep(50);
      }
      await matcher.idle();
      const { framesAnalysed, framesDropped, droppedByCamera } = matcher.stats;
      console.log(`[overload] pushed ${pushed}, analysed ${framesAnalysed}, dropped`, droppedByCamera);
      // Nothing silent: every frame was either analysed or counted as skipped.
      expect(framesAnalysed + framesDropped).toBe(pushed);
      expect(framesDropped).toBeGreaterThan(pushed / 4);
      const drops = cams.map((c) => droppedByCamera[c] ?? 0);
      // Even: within 2 frames of one another (the cameras' turns interleave).
      expect(Math.max(...drops) - Math.min(...drops)).toBeLessThanOrEqual(2);
    }, 120_000);
  });
});
