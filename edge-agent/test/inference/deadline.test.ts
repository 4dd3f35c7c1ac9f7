import { describe, expect, it } from 'vitest';
import { analyseWith } from '../../src/inference/analyser';
import { createLogger } from '../../src/log';
import { FaceMatcher } from '../../src/matching/matcher';
import { decodeFrame } from '../support/frames';
import { manualScheduler } from '../support/manual-scheduler';
import { oneSubjectGallery } from '../support/gallery';
import { useRealPool } from '../support/real-pool';
import { faceVideo } from '../../../scripts/demo/media';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('scheduling by worth and deadline (issue 15: synchronised bursts)', () => {
  it('starts the frame of a camera whose faces are followed before frames where something merely moved', async () => {
    const { s, order, finish } = manualScheduler();
    s.offer('a', 1); // runs at once
    s.offer('b', 1, { priority: 0 });
    s.offer('c', 1, { priority: 1 });
    s.offer('d', 1, { priority: 2 });
    for (let i = 0; i < 4; i++) await finish();
    await s.idle();
    expect(order).toEqual(['a1', 'd1', 'c1', 'b1']);
  });

  it('skips a frame whose deadline passed while it waited, counts it, and starts the next one instead', async () => {
    const { s, clock, order, finish } = manualScheduler();
    s.offer('a', 1); // runs at once
    s.offer('b', 1, { deadline: clock.t + 100 });
    s.offer('c', 1, { deadline: clock.t + 5_000 });
    clock.t += 200; // b's frame is now too old to help anyone
    await finish();
    await finish();
    await s.idle();
    expect(order).toEqual(['a1', 'c1']);
    expect(Object.fromEntries(s.late)).toEqual({ b: 1 });
    expect(Object.fromEntries(s.skipped)).toEqual({ b: 1 });
    // c waited 200 ms on the test's clock for its slot.
    expect(s.recentWaits).toEqual([0, 200]);
  });

  it('gives cameras with faces twice the share of a camera with motion only, never shutting it out', async () => {
    const { s, clock, order, finish } = manualScheduler();
    // Two cameras with faces and one with motion only offer a frame every 200 ms; one slot.
    for (let n = 0; n < 20; n++) {
      clock.t += 200;
      s.offer('face1', n, { priority: 1 });
      s.offer('face2', n, { priority: 1 });
      s.offer('motion', n, { priority: 0 });
      await finish();
    }
    // The shares while the cameras kept offering (what drains afterwards is whatever was waiting).
    const loaded = order.slice();
    for (let i = 0; i < 7; i++) await finish(); // the frames still waiting (two a camera at most)
    await s.idle();
    const runs = (c: string) => loaded.filter((o) => o.startsWith(c)).length;
    // Shares 2 : 2 : 1 of 21 runs.
    expect(runs('motion')).toBeGreaterThanOrEqual(4);
    expect(runs('face1')).toBeGreaterThanOrEqual(2 * runs('motion') - 1);
    expect(runs('face2')).toBeGreaterThanOrEqual(2 * runs('motion') - 1);
    // Never more than two turns of the face cameras between two of the motion camera's.
    const gaps = order
      .join(' ')
      .split(/motion\d+/)
      .slice(1, -1)
      .map((g) => g.trim().split(' ').length);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(4);
  });

  describe('with the real pool, the real models and real frames', () => {
    const real = useRealPool(1);

    it('keeps analysing the cameras where a match is forming while every camera bursts at once', async () => {
      const { vision, pool, dir } = real;
      const video = await faceVideo();
      const faceCams = ['door-a', 'door-b'];
      const motionCams = ['till-a', 'till-b', 'till-c', 'till-d'];
      const faceFrames = await Promise.all(faceCams.map((c, i) => decodeFrame(video, 4 + i, 768, 576, c)));
      // Frames with nothing to find: a full search costs the detector as much as a frame with faces.
      const emptyFrames = await Promise.all(motionCams.map((c) => decodeFrame(video, 0.2, 768, 576, c)));
      // The gallery holds the person in the door cameras' frames: their tracks stay "match forming"
      // (K is never reached), so their frames are the ones worth a slot.
      const { faces } = await analyseWith(vision, faceFrames[0]!.rgb, 768, 576, { tiles: true });
      const gallery = oneSubjectGallery(dir, faces[0]!.descriptor!);
      const deadlineMs = 1000;
      const matcher = new FaceMatcher({
        vision,
        analyser: pool,
        gallery,
        sink: { submit: async () => {}, reserve: () => () => {} },
        log: createLogger('test:matcher'),
        threshold: 0.6,
        frames: 1000,
        windowSeconds: 3,
        clockOffsetMs: () => 0,
        // Every frame a full search (40-70 ms): six cameras are far more than one worker can do.
        motion: false,
        frameDeadlineMs: deadlineMs,
      });
      const pushed = new Map<string, number>();
      const until = Date.now() + 6000;
      while (Date.now() < until) {
        for (const f of [...faceFrames, ...emptyFrames]) {
          matcher.push({ ...f, capturedAt: Date.now() });
          pushed.set(f.cameraId, (pushed.get(f.cameraId) ?? 0) + 1);
        }
        await sleep(100); // 10 fps a camera: more than one worker can search, even on a quiet box
      }
      await matcher.idle();
      const { started, recentWaits } = matcher.scheduler;
      const share = (c: string) => (started.get(c) ?? 0) / pushed.get(c)!;
      const { framesAnalysed, framesDropped, droppedByCamera } = matcher.stats;
      const total = [...pushed.values()].reduce((a, b) => a + b, 0);
      console.log(
        `[deadline] pushed ${total}, analysed ${framesAnalysed}, dropped ${framesDropped}, shares`,
        [...faceCams, ...motionCams].map((c) => `${c} ${share(c).toFixed(2)}`).join(', '),
        `queue wait p95 ${matcher.stats.queueWaitP95Ms} ms`,
      );
      // Nothing silent: every frame was analysed or counted skipped, and the box was overloaded.
      expect(framesAnalysed + framesDropped).toBe(total);
      expect(framesDropped).toBeGreaterThan(total / 4);
      // Each door camera kept a larger share of its frames than any camera where nothing is found: 3 to
      // 1 by weight once the match forms, 1.5 at least over the whole burst (round robin alone, as
      // before, gave every camera the same share).
      const worst = Math.min(...faceCams.map(share));
      const best = Math.max(...motionCams.map(share));
      expect(worst).toBeGreaterThanOrEqual(1.5 * best);
      // The others are not starved, and they are skipped evenly.
      for (const c of motionCams) expect(started.get(c) ?? 0).toBeGreaterThanOrEqual(2);
      const drops = motionCams.map((c) => droppedByCamera[c] ?? 0);
      expect(Math.max(...drops) - Math.min(...drops)).toBeLessThanOrEqual(2);
      // No frame was started after waiting past its deadline.
      expect(recentWaits.length).toBeGreaterThan(0);
      expect(Math.max(...recentWaits)).toBeLessThanOrEqual(deadlineMs);
    }, 120_000);
  });
});
