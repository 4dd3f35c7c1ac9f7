import { describe, expect, it } from 'vitest';
import { FaceTracks, fuse } from '../../src/matching/face-tracks';

const unitOf = (v: number[]) => {
  const n = Math.hypot(...v);
  return { unit: Float32Array.from(v.map((x) => x / n)), norm: n };
};
const box = (x: number, y = 100, w = 40) => ({ x, y, w, h: w });

describe('face tracks: descriptors fused across frames', () => {
  it("weights each descriptor by its face quality and keeps the raw descriptors' scale", () => {
    const sharp = { ...unitOf([1, 0]), quality: 0.9 };
    const blurred = { ...unitOf([0, 2]), quality: 0.1 };
    const f = fuse([sharp, blurred]);
    expect(f[0]! / f[1]!).toBeCloseTo(9, 5); // 0.9 : 0.1
    expect(Math.hypot(...f)).toBeCloseTo(0.9 * 1 + 0.1 * 2, 5); // quality-weighted mean norm
    expect(Array.from(fuse([sharp]))).toEqual([1, 0]); // one sighting: the descriptor itself
  });

  it('reports the quality-weighted face width of the fused sightings (the band it is judged by)', () => {
    const tracks = new FaceTracks(3000);
    const d = Float32Array.from([1, 0]);
    tracks.observe('cam', box(100, 100, 30), d, 0.1, 0, new Set());
    // (a face grows at most 1.5x between frames of one track: see association.ts)
    const view = tracks.observe('cam', box(102, 100, 42), d, 0.3, 200, new Set());
    expect(view.facePx).toBeCloseTo((0.1 * 30 + 0.3 * 42) / 0.4, 6);
  });

  it('brings a noisy track closer to the true face than its frames are on average', () => {
    const truth = [0.6, 0.8, 0, 0];
    const noisy = [
      [0.9, 0.5, 0.2, 0],
      [0.3, 0.9, -0.2, 0.1],
      [0.7, 0.6, 0, -0.3],
      [0.5, 0.9, 0.1, 0.2],
    ];
    const tracks = new FaceTracks(3000);
    let fused: Float32Array = new Float32Array(4);
    noisy.forEach((d, i) => {
      fused = tracks.observe('cam', box(100 + i * 5), Float32Array.from(d), 0.5, i * 200, new Set()).fused;
    });
    const dist = (a: ArrayLike<number>) => Math.hypot(...truth.map((t, i) => t - a[i]!));
    const mean = noisy.map(dist).reduce((a, b) => a + b, 0) / noisy.length;
    expect(dist(fused)).toBeLessThan(mean * 0.6);
  });

  it('follows each face of a frame on its own track, and starts a new one after a gap', () => {
    const tracks = new FaceTracks(1000);
    const d = Float32Array.from([1, 0]);
    const taken = new Set<number>();
    const a = tracks.observe('cam', box(100), d, 0.5, 0, taken).trackId;
    const b = tracks.observe('cam', box(120), d, 0.5, 0, taken).trackId; // overlaps a, same frame
    expect(b).not.toBe(a);
    const next = new Set<number>();
    expect(tracks.observe('cam', box(104), d, 0.5, 200, next).trackId).toBe(a);
    expect(tracks.observe('cam', box(124), d, 0.5, 200, next).trackId).toBe(b);
    expect(tracks.observe('other-cam', box(104), d, 0.5, 200, new Set()).trackId).not.toBe(a);
    expect(tracks.observe('cam', box(104), d, 0.5, 1500, new Set()).trackId).not.toBe(a); // gap > 1 s
    tracks.prune(3000);
    expect(tracks.size).toBe(0); // descriptors leave memory with their tracks
  });

  it('keeps a walking face on its track after frames not searched, from where its speed puts it', () => {
    const tracks = new FaceTracks(3000);
    const d = Float32Array.from([1, 0]);
    const walker = tracks.observe('cam', box(100), d, 0.5, 0, new Set()).trackId;
    tracks.observe('cam', box(130), d, 0.5, 200, new Set()); // 30 px a frame: 0.15 px/ms
    // Two frames not searched (a judged track's, or skipped under load): 90 px on, 2.25 widths.
    // Before: farther than a face width from the last box, so a new track, described again.
    expect(tracks.observe('cam', box(220), d, 0.5, 800, new Set()).trackId).toBe(walker);
    tracks.judge(walker, 5000);
    const [expected] = tracks.judgedBoxes('cam', 1400);
    expect(expected!.x).toBeCloseTo(310, 5); // the judged face looked for where it should be
    // A walker who stopped is still found at the last box, not where the speed would put them.
    expect(tracks.follow('cam', box(222), 1400, new Set())).toBe(walker);
  });
});
