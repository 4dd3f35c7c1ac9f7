import { describe, expect, it } from 'vitest';
import type { FaceAnalyser } from '../../src/inference/analyser';
import { createLogger } from '../../src/log';
import { FaceMatcher } from '../../src/matching/matcher';
import { decodeFrame } from '../support/frames';
import { manualScheduler } from '../support/manual-scheduler';
import { oneSubjectGallery } from '../support/gallery';
import { useRealPool } from '../support/real-pool';
import { faceVideo } from '../../../scripts/demo/media';

describe('a synchronised burst is absorbed while the deadline allows (issue 15)', () => {
  it('keeps two frames of each of four cameras waiting, none replaced, each camera in capture order', async () => {
    const { s, clock, order, skips, drain } = manualScheduler();
    s.offer('busy', 1); // holds the only slot
    const cams = ['a', 'b', 'c', 'd'];
    const replaced: boolean[] = [];
    for (const n of [1, 2]) {
      clock.t += 200; // the next frame of every camera, 200 ms later (5 fps)
      for (const c of cams) replaced.push(s.offer(c, n, { deadline: clock.t + 1000 }));
    }
    await drain();
    expect(replaced).toEqual(Array(8).fill(false));
    expect(skips).toEqual([]);
    expect(s.totalSkipped).toBe(0);
    // Everything ran; round robin across cameras, and each camera's frames oldest first.
    expect(order).toEqual(['busy1', 'a1', 'b1', 'c1', 'd1', 'a2', 'b2', 'c2', 'd2']);
  });

  it('over the bound replaces the oldest waiting frame, counts it, and keeps the order of the rest', async () => {
    const { s, clock, order, skips, drain } = manualScheduler(2);
    s.offer('busy', 1);
    const replaced: boolean[] = [];
    for (const n of [1, 2, 3, 4]) {
      clock.t += 200;
      replaced.push(s.offer('a', n, { deadline: clock.t + 1000 }));
    }
    await drain();
    expect(replaced).toEqual([false, false, true, true]);
    expect(skips).toEqual(['a1 replaced', 'a2 replaced']);
    expect(Object.fromEntries(s.skipped)).toEqual({ a: 2 });
    expect(s.late.size).toBe(0);
    expect(order).toEqual(['busy1', 'a3', 'a4']);
  });

  it('never starts a waiting frame past its deadline: skipped as late, the newer one started', async () => {
    const { s, clock, order, skips, drain } = manualScheduler(3);
    s.offer('busy', 1);
    s.offer('a', 1, { deadline: clock.t + 300 });
    clock.t += 200;
    s.offer('a', 2, { deadline: clock.t + 300 }); // until t+500
    clock.t += 200;
    s.offer('b', 1, { deadline: clock.t + 100 }); // until t+500
    clock.t += 200; // a1 (t+300), a2 and b1 (t+500) all expire before the slot frees at t+600...
    s.offer('a', 3, { deadline: clock.t + 1000 }); // ...but a3 is fresh
    await drain();
    expect(order).toEqual(['busy1', 'a3']);
    expect(skips).toEqual(['a1 late', 'a2 late', 'b1 late']);
    expect(Object.fromEntries(s.late)).toEqual({ a: 2, b: 1 });
    expect(Object.fromEntries(s.skipped)).toEqual({ a: 2, b: 1 });
    expect(s.recentWaits).toEqual([0, 0]);
  });

  describe('with the matcher, the real pool, the real models and real frames', () => {
    const real = useRealPool(2);

    it('analyses both frames of every camera of a burst, one at a time per camera, in capture order', async () => {
      const { vision, pool, dir } = real;
      const gallery = oneSubjectGallery(dir);
      // The real pool, watched: which frame each analysis was for, and how many of a camera overlap.
      const label = new Map<Uint8Array, { cam: string; n: number }>();
      const analysed: string[] = [];
      const running = new Map<string, number>();
      let overlap = 0;
      const watched: FaceAnalyser = {
        type: 'pool',
        get slots() {
          return pool.slots;
        },
        get chipsDescribed() {
          return pool.chipsDescribed;
        },
        close: () => pool.close(),
        async analyse(rgb, w, h, opts, skip) {
          const { cam, n } = label.get(rgb)!;
          running.set(cam, (running.get(cam) ?? 0) + 1);
          overlap = Math.max(overlap, running.get(cam)!);
          try {
            return await pool.analyse(rgb, w, h, opts, skip);
          } finally {
            analysed.push(`${cam}:${n}`);
            running.set(cam, running.get(cam)! - 1);
          }
        },
      };
      const matcher = new FaceMatcher({
        vision,
        analyser: watched,
        gallery,
        sink: { submit: async () => {} },
        log: createLogger('test:matcher'),
        threshold: 0.5,
        frames: 3,
        windowSeconds: 3,
        clockOffsetMs: () => 0,
        motion: false, // every frame a full search: 8 frames at once are 4 per worker
        frameDeadlineMs: 30_000, // a box shared with other tests is slow; the point is the room
      });
      const video = await faceVideo();
      const cams = ['cam-a', 'cam-b', 'cam-c', 'cam-d'];
      const base = await Promise.all(cams.map((c, i) => decodeFrame(video, 4 + i, 768, 576, c)));
      let released = 0;
      // Every camera's subject passes at once: each offers two frames, 200 ms apart, all together.
      for (const n of [1, 2]) {
        for (const f of base) {
          const rgb = Buffer.from(f.rgb);
          label.set(rgb, { cam: f.cameraId, n });
          matcher.push({ ...f, rgb, capturedAt: Date.now() + n * 200, release: () => released++ });
        }
      }
      await matcher.idle();
      const { framesAnalysed, framesDropped } = matcher.stats;
      // Before, the second frame of each camera waiting replaced its first: 2-3 of 8 dropped.
      expect(framesDropped).toBe(0);
      expect(framesAnalysed).toBe(8);
      // Never two frames of one camera in flight, and each camera's frames analysed oldest first.
      expect(overlap).toBe(1);
      for (const c of cams) expect(analysed.filter((a) => a.startsWith(c))).toEqual([`${c}:1`, `${c}:2`]);
      // No buffer leaks: every frame went back to its reader (no match holds any as evidence).
      expect(released).toBe(8);
    }, 120_000);
  });
});
