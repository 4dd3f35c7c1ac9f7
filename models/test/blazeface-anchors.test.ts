import { describe, expect, it } from 'vitest';
import { anchorCentres, type Candidate, decodeHead, iou, logit, weightedNms } from '../src/blazeface-anchors.ts';
import { defaultTiles } from '../src/detect.ts';
import { tiles } from '../src/tiling.ts';

const cand = (cx: number, cy: number, w: number, score: number, kp = 0): Candidate => ({
  cx,
  cy,
  w,
  h: w,
  score,
  keypoints: new Float64Array(12).fill(kp),
});

describe('BlazeFace anchors', () => {
  it('lays 16x16x2 + 8x8x6 = 896 anchors at cell centres, anchors innermost', () => {
    const a = anchorCentres({ grid: 16, anchorsPerCell: 2 });
    const b = anchorCentres({ grid: 8, anchorsPerCell: 6 });
    expect(a.length / 2 + b.length / 2).toBe(896);
    expect([...a.slice(0, 6)]).toEqual([1 / 32, 1 / 32, 1 / 32, 1 / 32, 3 / 32, 1 / 32]);
    // last anchor of the 8x8 head: bottom-right cell
    expect([...b.slice(-2)]).toEqual([15 / 16, 15 / 16]);
  });

  it('decodes offsets in input pixels relative to the anchor and keeps only scores above the threshold', () => {
    const anchors = Float32Array.of(0.25, 0.5, 0.75, 0.5);
    const scores = Float32Array.of(2, -2); // sigmoid: 0.88, 0.12
    const boxes = new Float32Array(32);
    boxes.set([12.8, -25.6, 64, 51.2, -12.8, 0], 0); // cx+0.05, cy-0.1, w 0.25, h 0.2, kp0.x-0.05
    const out = decodeHead(scores, boxes, anchors, 256, 0.5);
    expect(out).toHaveLength(1);
    expect(out[0].cx).toBeCloseTo(0.3, 6);
    expect(out[0].cy).toBeCloseTo(0.4, 6);
    expect(out[0].w).toBeCloseTo(0.25, 6);
    expect(out[0].h).toBeCloseTo(0.2, 6);
    expect(out[0].keypoints[0]).toBeCloseTo(0.2, 6);
    expect(out[0].score).toBeCloseTo(1 / (1 + Math.exp(-2)), 6);
    expect(logit(0.5)).toBe(0);
  });

  it('merges overlapping candidates into a score-weighted mean and keeps the best score', () => {
    const merged = weightedNms(
      [cand(0.5, 0.5, 0.2, 0.9, 1), cand(0.52, 0.5, 0.2, 0.6, 2), cand(0.1, 0.1, 0.1, 0.7)],
      0.3,
    );
    expect(merged).toHaveLength(2);
    expect(merged[0].score).toBe(0.9);
    expect(merged[0].cx).toBeCloseTo((0.5 * 0.9 + 0.52 * 0.6) / 1.5, 9);
    expect(merged[0].keypoints[3]).toBeCloseTo((1 * 0.9 + 2 * 0.6) / 1.5, 9);
    expect(merged[1].cx).toBeCloseTo(0.1, 12);
  });

  it('computes IoU of centre-size boxes', () => {
    expect(iou(cand(0.5, 0.5, 0.2, 1), cand(0.5, 0.5, 0.2, 1))).toBeCloseTo(1, 9);
    expect(iou(cand(0.5, 0.5, 0.2, 1), cand(0.6, 0.5, 0.2, 1))).toBeCloseTo(1 / 3, 9);
    expect(iou(cand(0.2, 0.2, 0.1, 1), cand(0.8, 0.8, 0.1, 1))).toBe(0);
  });
});

describe('tiling', () => {
  it('covers a 768x576 frame with 2 x 2 default tiles of 449 px overlapping by at least 126 px', () => {
    const opts = defaultTiles(768, 576);
    expect(opts).toEqual({ size: 449, overlap: 126 });
    const t = tiles(768, 576, opts);
    expect(t.map((r) => [r.x, r.y])).toEqual([
      [0, 0],
      [319, 0],
      [0, 127],
      [319, 127],
    ]);
    expect(t.every((r) => r.w === 449 && r.h === 449)).toBe(true);
  });

  it('spreads tiles evenly when more are needed', () => {
    const t = tiles(768, 576, { size: 320, overlap: 96 });
    expect(t.map((r) => [r.x, r.y])).toEqual([
      [0, 0],
      [224, 0],
      [448, 0],
      [0, 0 + 128],
      [224, 128],
      [448, 128],
      [0, 256],
      [224, 256],
      [448, 256],
    ]);
  });

  it('uses one tile along an axis shorter than a tile', () => {
    expect(tiles(300, 200, { size: 320, overlap: 96 })).toEqual([{ x: 0, y: 0, w: 300, h: 200 }]);
  });
});
