import { describe, expect, it } from 'vitest';
import { MotionDetector } from '../../src/motion/motion-detector';
import { components, dilate, merge, type Rect } from '../../src/motion/regions';

const W = 768;
const H = 576;

/** A deterministic pseudo-random source, so the noise is the same on every run. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

/** A textured grey scene (gradient + blotches) with sensor-like noise of ±`noise` grey levels. */
function scene(random: () => number, noise: number, block?: Rect): Uint8Array {
  const rgb = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      let v = 60 + ((x * 7 + y * 3) % 97) + (((x >> 5) + (y >> 5)) % 2) * 30;
      const inBlock = block && x >= block.x && x < block.x + block.w && y >= block.y && y < block.y + block.h;
      if (inBlock) v = 230;
      v += Math.round((random() * 2 - 1) * noise);
      const i = (y * W + x) * 3;
      rgb[i] = rgb[i + 1] = rgb[i + 2] = Math.max(0, Math.min(255, v));
    }
  }
  return rgb;
}

const covers = (outer: Rect, inner: Rect) =>
  outer.x <= inner.x &&
  outer.y <= inner.y &&
  outer.x + outer.w >= inner.x + inner.w &&
  outer.y + outer.h >= inner.y + inner.h;

describe('motion detector (frame differencing on a 160 px grey frame)', () => {
  it('treats the first frame as a new scene to be searched whole', () => {
    const m = new MotionDetector();
    expect(m.detect(scene(rng(1), 6), W, H)).toMatchObject({ global: true, regions: [] });
  });

  it('finds no region in static frames with sensor noise', () => {
    const m = new MotionDetector();
    const random = rng(2);
    m.detect(scene(random, 6), W, H);
    for (let i = 0; i < 10; i++) {
      const motion = m.detect(scene(random, 6), W, H);
      expect(motion.regions).toEqual([]);
      expect(motion.global).toBe(false);
    }
  });

  it('finds one region covering a moving block, and nothing else', () => {
    const m = new MotionDetector();
    const random = rng(3);
    m.detect(scene(random, 6), W, H);
    for (let i = 0; i < 5; i++) {
      const block = { x: 200 + i * 30, y: 150, w: 40, h: 90 };
      const { regions } = m.detect(scene(random, 6, block), W, H);
      expect(regions).toHaveLength(1);
      expect(covers(regions[0]!, block)).toBe(true);
      // Padded, but still about the block: not half the frame.
      expect(regions[0]!.w * regions[0]!.h).toBeLessThan(10 * block.w * block.h);
    }
  });

  it('finds two regions for two movers far apart', () => {
    const m = new MotionDetector();
    const random = rng(4);
    m.detect(scene(random, 6), W, H);
    const a = { x: 50, y: 60, w: 40, h: 80 };
    const b = { x: 600, y: 400, w: 50, h: 100 };
    const { regions } = m.detect(
      scene(random, 6, a).map((v, i) => {
        const p = Math.floor(i / 3);
        const x = p % W;
        const y = (p - x) / W;
        return x >= b.x && x < b.x + b.w && y >= b.y && y < b.y + b.h ? 20 : v;
      }),
      W,
      H,
    );
    expect(regions).toHaveLength(2);
    expect(regions.some((r) => covers(r, a))).toBe(true);
    expect(regions.some((r) => covers(r, b))).toBe(true);
  });

  it('takes a change of the whole scene (lights) as a new background, not as motion everywhere', () => {
    const m = new MotionDetector();
    const random = rng(5);
    m.detect(scene(random, 4), W, H);
    const dark = scene(random, 4).map((v) => v >> 1);
    expect(m.detect(dark, W, H).global).toBe(true);
    const next = m.detect(
      scene(random, 4).map((v) => v >> 1),
      W,
      H,
    );
    expect(next).toMatchObject({ global: false, regions: [] });
  });

  it('absorbs something that stopped moving into the background', () => {
    const m = new MotionDetector();
    const random = rng(6);
    m.detect(scene(random, 4), W, H);
    const parked = { x: 300, y: 300, w: 60, h: 60 };
    let frames = 0;
    while (m.detect(scene(random, 4, parked), W, H).regions.length > 0) frames++;
    // alpha 0.05: about 20-40 frames (4-8 s at 5 fps), not forever and not at once.
    expect(frames).toBeGreaterThan(5);
    expect(frames).toBeLessThan(80);
  });
});

describe('mask geometry', () => {
  it('dilates, labels 4-connected blobs and merges overlapping boxes', () => {
    const w = 8;
    const mask = new Uint8Array(w * 4);
    mask[0] = 1; // (0,0)
    mask[w + 1] = 1; // (1,1): diagonal to (0,0), a separate 4-connected blob
    mask[3 * w + 7] = 1; // (7,3)
    expect(components(mask, w, 4).map((b) => [b.x, b.y, b.w, b.h])).toEqual([
      [0, 0, 1, 1],
      [1, 1, 1, 1],
      [7, 3, 1, 1],
    ]);
    const grown = dilate(mask, w, 4, 1);
    expect(components(grown, w, 4).map((b) => [b.x, b.y, b.w, b.h])).toEqual([
      [0, 0, 3, 3],
      [6, 2, 2, 2],
    ]);
    expect(
      merge([
        { x: 0, y: 0, w: 10, h: 10 },
        { x: 30, y: 0, w: 5, h: 5 },
        { x: 5, y: 5, w: 30, h: 2 },
      ]),
    ).toEqual([{ x: 0, y: 0, w: 35, h: 10 }]);
  });
});
