import { describe, expect, it } from 'vitest';
import type { Frame } from '../../src/camera/frame-reader';
import { MatchTracker } from '../../src/matching/tracker';

const frame = { cameraId: 'cam', rgb: Buffer.alloc(0), width: 768, height: 576, capturedAt: 0 } as Frame;
const hit = (at: number, x: number, distance: number) => ({
  at,
  distance,
  templateVersion: 1,
  frame,
  box: { x, y: 100, w: 80, h: 80 },
});

describe('MatchTracker cooldown per track', () => {
  it('fires once for one person lingering in view, however long they stay within the cooldown', () => {
    const t = new MatchTracker(3, 3000, 60_000);
    const fired = [];
    for (let i = 0; i < 100; i++) fired.push(t.add('cam', 'S', hit(i * 400, 300 + (i % 5), i < 3 ? 0.5 : 0.3)));
    expect(fired.filter(Boolean)).toHaveLength(1);
  });

  it('reports the real subject on another track after a false match started the cooldown', () => {
    const t = new MatchTracker(3, 3000, 60_000);
    const a = [0, 400, 800].map((at) => t.add('cam', 'S', hit(at, 50, 0.58))); // person A, falsely S
    expect(a.filter(Boolean)).toHaveLength(1);
    t.prune(20_000);
    const s = [20_000, 20_400, 20_800].map((at) => t.add('cam', 'S', hit(at, 500, 0.35))); // the real S, 20 s later
    const second = s.find(Boolean);
    expect(second).toMatchObject({ subjectId: 'S', best: { distance: 0.35 } });
    expect(second!.trackId).not.toBe(a.find(Boolean)!.trackId);
  });

  it('keeps a different track that matches worse than the candidate quiet during the cooldown', () => {
    const t = new MatchTracker(3, 3000, 60_000);
    [0, 400, 800].forEach((at) => {
      t.add('cam', 'S', hit(at, 50, 0.35));
    });
    const later = [20_000, 20_400, 20_800, 21_200].map((at) => t.add('cam', 'S', hit(at, 500, 0.5)));
    expect(later.filter(Boolean)).toEqual([]);
    // ...and fires again once the cooldown is over.
    expect([61_000, 61_400, 61_800].map((at) => t.add('cam', 'S', hit(at, 500, 0.5))).filter(Boolean)).toHaveLength(1);
  });

  it('does not join two faces far apart into one track', () => {
    const t = new MatchTracker(3, 3000, 60_000);
    // Two people in the same frames, each matching in only two frames: no track reaches K = 3.
    const r = [0, 400].flatMap((at) => [t.add('cam', 'S', hit(at, 50, 0.4)), t.add('cam', 'S', hit(at, 500, 0.4))]);
    expect(r.filter(Boolean)).toEqual([]);
  });
});

describe('MatchTracker evidence crop', () => {
  it('keeps the best-quality frame of the matching track as the crop, not merely the closest one', () => {
    const t = new MatchTracker(3, 3000, 60_000);
    const frames = [0, 1, 2].map((i) => ({ ...frame, capturedAt: i * 400 }));
    const hits = [
      { ...hit(0, 300, 0.4), frame: frames[0]!, quality: 0.2 }, // closest, but small and blurred
      { ...hit(400, 304, 0.45), frame: frames[1]!, quality: 0.9 }, // large, sharp, frontal
      { ...hit(800, 308, 0.5), frame: frames[2]!, quality: 0.5 },
    ];
    const confirmed = hits.map((h) => t.add('cam', 'S', h)).find(Boolean)!;
    expect(confirmed.best.distance).toBe(0.4);
    expect(confirmed.bestCrop.frame).toBe(frames[1]);
  });
});
