import { describe, expect, it } from 'vitest';
import type { Motion } from '../../src/motion/motion-detector';
import { SearchPlanner, SMALLEST_MATCHED_FACE_PX, split, square, windowForFaces } from '../../src/motion/search-plan';
import { groupWithin } from '../../src/motion/region-groups';

const W = 768;
const H = 576;
const still: Motion = { regions: [], changedFraction: 0, global: false };
const moved = (...regions: Motion['regions']): Motion => ({ regions, changedFraction: 0.05, global: false });

describe('search plan: where the face detector looks', () => {
  it('searches the first frame whole, then nothing while nothing moves', () => {
    const p = new SearchPlanner();
    expect(p.plan({ ...still, global: true }, W, H, 0)).toEqual({ kind: 'full', reason: 'first' });
    expect(p.plan(still, W, H, 200)).toEqual({ kind: 'none' });
    expect(p.plan(still, W, H, 9_800)).toEqual({ kind: 'none' });
  });

  it('searches the whole frame again every 10 s, for a face that arrived while nothing moved', () => {
    const p = new SearchPlanner();
    p.plan({ ...still, global: true }, W, H, 0);
    expect(p.plan(still, W, H, 10_000)).toEqual({ kind: 'full', reason: 'refresh' });
    expect(p.plan(still, W, H, 10_200)).toEqual({ kind: 'none' });
  });

  it('owes the full scan of a frame that was dropped', () => {
    const p = new SearchPlanner();
    const first = p.plan({ ...still, global: true }, W, H, 0);
    p.missed(first);
    expect(p.plan(still, W, H, 200).kind).toBe('full');
  });

  it('magnifies a small moving region into a square of at least 160 px around it', () => {
    const p = new SearchPlanner();
    p.plan({ ...still, global: true }, W, H, 0);
    const plan = p.plan(moved({ x: 400, y: 100, w: 50, h: 70 }), W, H, 200);
    expect(plan).toEqual({ kind: 'regions', regions: [{ x: 345, y: 55, w: 160, h: 160 }] });
  });

  it('keeps searching where a face was seen for 2 s after it stopped moving', () => {
    const p = new SearchPlanner();
    p.plan({ ...still, global: true }, W, H, 0);
    p.noteFaces([{ x: 330, y: 150, w: 100, h: 100 }], 0);
    const plan = p.plan(still, W, H, 1_000);
    expect(plan.kind).toBe('regions');
    if (plan.kind === 'regions') {
      expect(plan.regions).toHaveLength(1);
      const [r] = plan.regions;
      expect(r!.x).toBeLessThanOrEqual(330);
      expect(r!.x + r!.w).toBeGreaterThanOrEqual(430);
    }
    expect(p.plan(still, W, H, 2_500)).toEqual({ kind: 'none' });
  });

  it('falls back to one full scan when motion everywhere would cost more detector runs', () => {
    const p = new SearchPlanner();
    p.plan({ ...still, global: true }, W, H, 0);
    // Nine movers too far apart for any two to share a window of 451 px.
    const many = [0, 1, 2].flatMap((i) => [0, 1, 2].map((j) => ({ x: 60 + i * 304, y: 60 + j * 208, w: 40, h: 40 })));
    expect(p.plan(moved(...many), W, H, 200)).toEqual({ kind: 'full', reason: 'busy' });
  });

  it('sizes a region as a square clamped to [160, tile] and cuts bigger ones into tiles', () => {
    expect(square({ x: 0, y: 0, w: 20, h: 20 }, 160, 449, W, H)).toEqual({ x: 0, y: 0, w: 160, h: 160 });
    expect(square({ x: 700, y: 500, w: 60, h: 60 }, 160, 449, W, H)).toEqual({ x: 608, y: 416, w: 160, h: 160 });
    expect(square({ x: 100, y: 100, w: 100, h: 300 }, 160, 449, W, H)).toEqual({ x: 0, y: 100, w: 300, h: 300 });
    const big = { x: 0, y: 0, w: 700, h: 300 };
    const parts = split(big, { size: 449, overlap: 126 });
    expect(parts.length).toBe(2);
    expect(parts.every((t) => t.w === 449 && t.x >= 0 && t.x + t.w <= 700)).toBe(true);
  });

  it('searches two people a few steps apart in one detector run, at a scale a 30 px face survives', () => {
    const p = new SearchPlanner();
    p.plan({ ...still, global: true }, W, H, 0);
    const a = { x: 100, y: 200, w: 60, h: 80 };
    const b = { x: 330, y: 220, w: 60, h: 80 };
    const plan = p.plan(moved(a, b), W, H, 200);
    // Before: one 160 px square around each, two runs.
    expect(plan.kind).toBe('regions');
    if (plan.kind !== 'regions') return;
    expect(plan.regions).toHaveLength(1);
    const [r] = plan.regions;
    for (const m of [a, b]) {
      expect(r!.x).toBeLessThanOrEqual(m.x);
      expect(r!.y).toBeLessThanOrEqual(m.y);
      expect(r!.x + r!.w).toBeGreaterThanOrEqual(m.x + m.w);
      expect(r!.y + r!.h).toBeGreaterThanOrEqual(m.y + m.h);
    }
    // Shrunk to the 256 px input, the smallest matched face keeps at least 17 px.
    const side = Math.max(r!.w, r!.h);
    expect(side).toBeLessThanOrEqual(windowForFaces(SMALLEST_MATCHED_FACE_PX));
    expect((SMALLEST_MATCHED_FACE_PX * 256) / side).toBeGreaterThanOrEqual(17);
  });

  it('keeps people too far apart for one window in their own runs', () => {
    const p = new SearchPlanner();
    p.plan({ ...still, global: true }, W, H, 0);
    const plan = p.plan(moved({ x: 20, y: 200, w: 60, h: 80 }, { x: 690, y: 200, w: 60, h: 80 }), W, H, 200);
    expect(plan.kind === 'regions' && plan.regions.length).toBe(2);
  });

  it('groups the closest neighbours first and never makes a window over its side', () => {
    const sq = (x: number, y: number) => ({ x, y, w: 160, h: 160 });
    // a-b are 20 px apart, b-c 200: a+b+c is 520 wide, over 451, so c stays alone.
    const groups = groupWithin([sq(0, 0), sq(180, 0), sq(360, 0)], 451);
    expect(groups).toEqual([{ x: 0, y: 0, w: 340, h: 160 }, sq(360, 0)]);
    expect(groupWithin([{ x: 0, y: 0, w: 500, h: 500 }, sq(600, 0)], 451)).toHaveLength(2);
  });

  it('looks at a held face where nothing moves every 600 ms, not in every frame', () => {
    const p = new SearchPlanner();
    p.plan({ ...still, global: true }, W, H, 0);
    p.noteFaces([{ x: 330, y: 150, w: 60, h: 60 }], 0);
    const kinds = [200, 400, 600, 800, 1000, 1200, 1400].map((at) => p.plan(still, W, H, at).kind);
    // Before: searched in all seven frames (10 per pass of someone leaving the entrance).
    expect(kinds).toEqual(['regions', 'none', 'none', 'regions', 'none', 'none', 'regions']);
  });

  it('searches a held face in every frame while motion covers it, and owes a dropped look', () => {
    const p = new SearchPlanner();
    p.plan({ ...still, global: true }, W, H, 0);
    p.noteFaces([{ x: 330, y: 150, w: 60, h: 60 }], 0);
    const over = moved({ x: 320, y: 140, w: 40, h: 40 });
    expect([200, 400, 600].map((at) => p.plan(over, W, H, at).kind)).toEqual(['regions', 'regions', 'regions']);
    const looked = p.plan(still, W, H, 800);
    expect(looked.kind).toBe('regions');
    p.missed(looked); // the detector was busy: the look at the still face is still owed
    expect(p.plan(still, W, H, 1000).kind).toBe('regions');
    expect(p.plan(still, W, H, 1200).kind).toBe('none');
  });

  it('looks at motion that one judged face explains every 600 ms, and at a second person in every frame', () => {
    const p = new SearchPlanner();
    p.plan({ ...still, global: true }, W, H, 0);
    // A judged 50 px face walking right 30 px a frame; its motion is its head and body below.
    const judgedAt = (i: number) => ({ x: 200 + 30 * i, y: 100, w: 50, h: 50 });
    const bodyAt = (i: number) => ({ x: 180 + 30 * i, y: 80, w: 90, h: 400 });
    const alone = [1, 2, 3, 4, 5, 6].map((i) => p.plan(moved(bodyAt(i)), W, H, i * 200, [judgedAt(i)]).kind);
    // Before: all six searched.
    expect(alone).toEqual(['regions', 'none', 'none', 'regions', 'none', 'none']);
    // Someone walking beside them: one region two people wide, no longer one silhouette.
    const pair = (i: number) => ({ ...bodyAt(i), w: 200 });
    const together = [7, 8, 9].map((i) => p.plan(moved(pair(i)), W, H, i * 200, [judgedAt(i)]).kind);
    expect(together).toEqual(['regions', 'regions', 'regions']);
  });
});
