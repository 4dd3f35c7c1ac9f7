import { describe, expect, it } from 'vitest';
import type { Motion } from '../../src/motion/motion-detector';
import { SearchPlanner, split, square } from '../../src/motion/search-plan';

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
    const many = Array.from({ length: 6 }, (_, i) => ({ x: 10 + i * 125, y: 20 + (i % 2) * 350, w: 30, h: 60 }));
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
});
