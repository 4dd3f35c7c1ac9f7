import { describe, expect, it } from 'vitest';
import { letterboxInto, type Rect, resampleInto } from '../src/resample.ts';
import { VTEST_H, VTEST_W, vtestFrames } from './cctv.ts';

/**
 * Bilinear sampling written pixel by pixel, as resampleInto did it before its per-column tables
 * (issue 15): the detector's input must not change by a bit with the faster loop.
 */
function bilinearReference(
  dst: Float32Array,
  dstW: number,
  dstH: number,
  rgb: Uint8Array,
  width: number,
  height: number,
  rect: Rect,
  scale: number,
  padX: number,
  padY: number,
  mul: number,
  add: number,
): void {
  const step = 1 / scale;
  const ox0 = Math.max(0, Math.ceil(padX - 1e-6));
  const ox1 = Math.min(dstW, Math.floor(padX + rect.w * scale + 1e-6));
  const oy0 = Math.max(0, Math.ceil(padY - 1e-6));
  const oy1 = Math.min(dstH, Math.floor(padY + rect.h * scale + 1e-6));
  const stride = width * 3;
  for (let oy = oy0; oy < oy1; oy += 1) {
    const sy = rect.y + (oy + 0.5 - padY) * step - 0.5;
    const y0 = Math.floor(sy);
    const fy = sy - y0;
    const r0 = Math.min(height - 1, Math.max(0, y0)) * stride;
    const r1 = Math.min(height - 1, Math.max(0, y0 + 1)) * stride;
    let d = (oy * dstW + ox0) * 3;
    for (let ox = ox0; ox < ox1; ox += 1) {
      const sx = rect.x + (ox + 0.5 - padX) * step - 0.5;
      const x0 = Math.floor(sx);
      const fx = sx - x0;
      const c0 = Math.min(width - 1, Math.max(0, x0)) * 3;
      const c1 = Math.min(width - 1, Math.max(0, x0 + 1)) * 3;
      for (let c = 0; c < 3; c += 1) {
        const top = rgb[r0 + c0 + c]! + (rgb[r0 + c1 + c]! - rgb[r0 + c0 + c]!) * fx;
        const bottom = rgb[r1 + c0 + c]! + (rgb[r1 + c1 + c]! - rgb[r1 + c0 + c]!) * fx;
        dst[d++] = (top + (bottom - top) * fy) * mul + add;
      }
    }
  }
}

/** The box filter written pixel by pixel: resampleInto must keep giving exactly this (issue 15). */
function boxReference(
  dst: Float32Array,
  dstW: number,
  dstH: number,
  rgb: Uint8Array,
  width: number,
  height: number,
  rect: Rect,
  scale: number,
  padX: number,
  padY: number,
  mul: number,
  add: number,
): void {
  const step = 1 / scale;
  const ox0 = Math.max(0, Math.ceil(padX - 1e-6));
  const ox1 = Math.min(dstW, Math.floor(padX + rect.w * scale + 1e-6));
  const oy0 = Math.max(0, Math.ceil(padY - 1e-6));
  const oy1 = Math.min(dstH, Math.floor(padY + rect.h * scale + 1e-6));
  const span = (o: number, pad: number, origin: number, limit: number): [number, number] => {
    const s = Math.max(0, Math.min(limit - 1, Math.floor(origin + (o - pad) * step)));
    return [s, Math.max(s + 1, Math.min(limit, Math.round(origin + (o + 1 - pad) * step)))];
  };
  for (let oy = oy0; oy < oy1; oy += 1) {
    const [ys, ye] = span(oy, padY, rect.y, height);
    let d = (oy * dstW + ox0) * 3;
    for (let ox = ox0; ox < ox1; ox += 1) {
      const [xs0, xs1] = span(ox, padX, rect.x, width);
      let r = 0;
      let g = 0;
      let b = 0;
      for (let y = ys; y < ye; y += 1) {
        for (let x = xs0; x < xs1; x += 1) {
          const p = (y * width + x) * 3;
          r += rgb[p]!;
          g += rgb[p + 1]!;
          b += rgb[p + 2]!;
        }
      }
      const k = mul / ((ye - ys) * (xs1 - xs0));
      dst[d++] = r * k + add;
      dst[d++] = g * k + add;
      dst[d++] = b * k + add;
    }
  }
}

describe('resampling into the detector input', () => {
  const [frame] = vtestFrames(120, 1, 1);
  const rgb = new Uint8Array(frame!);
  // Regions as the search plan makes them: magnified small squares, windows up to the widest one
  // sampled bilinearly (384 px), a non-square group, windows at the frame's edges (clamped samples).
  const rects: Rect[] = [
    { x: 345, y: 55, w: 160, h: 160 },
    { x: 100, y: 120, w: 380, h: 180 },
    { x: 319, y: 200, w: 384, h: 376 },
    { x: 0, y: 0, w: 200, h: 251 },
    { x: 608, y: 416, w: 160, h: 160 },
    { x: 10.5, y: 3.25, w: 97, h: 61 },
  ];

  it('writes bit for bit what per-pixel bilinear sampling writes, for every window shape', () => {
    for (const rect of rects) {
      const fast = new Float32Array(256 * 256 * 3).fill(7);
      const lb = letterboxInto(fast, 256, rgb, VTEST_W, VTEST_H, rect, 1 / 127.5, -1);
      expect(lb.scale).toBeGreaterThanOrEqual(1 / 1.5); // the bilinear path, not the box filter
      const slow = new Float32Array(256 * 256 * 3).fill(-1);
      bilinearReference(slow, 256, 256, rgb, VTEST_W, VTEST_H, rect, lb.scale, lb.padX, lb.padY, 1 / 127.5, -1);
      expect(Buffer.from(fast.buffer).equals(Buffer.from(slow.buffer))).toBe(true);
    }
  });

  it('gives the same result after a wider call grew its tables, and leaves pixels outside alone', () => {
    const wide = new Float32Array(256 * 256 * 3);
    resampleInto(wide, 256, 256, rgb, VTEST_W, VTEST_H, { x: 0, y: 0, w: 256, h: 256 }, 1, 0, 0, 1, 0);
    const narrow = new Float32Array(64 * 64 * 3).fill(5);
    const ref = new Float32Array(64 * 64 * 3).fill(5);
    const rect = { x: 300, y: 200, w: 40, h: 30 };
    resampleInto(narrow, 64, 64, rgb, VTEST_W, VTEST_H, rect, 1.2, 4, 6, 1, 0);
    bilinearReference(ref, 64, 64, rgb, VTEST_W, VTEST_H, rect, 1.2, 4, 6, 1, 0);
    expect(Array.from(narrow)).toEqual(Array.from(ref));
    expect(narrow[0]).toBe(5); // (0, 0) is padding: untouched
    expect(Array.from(wide.subarray(0, 3))).toEqual([rgb[0], rgb[1], rgb[2]]);
  });

  it('shrinks windows over 384 px, tiles and whole frames bit for bit as a per-pixel box filter does', () => {
    // Search windows of the plan (449, 451), a frame-edge window, and the full scan's whole frame.
    const windows: Rect[] = [
      { x: 319, y: 127, w: 449, h: 449 },
      { x: 12.5, y: 40, w: 451, h: 300 },
      { x: 0, y: 0, w: VTEST_W, h: VTEST_H },
    ];
    for (const rect of windows) {
      const fast = new Float32Array(256 * 256 * 3).fill(7);
      const lb = letterboxInto(fast, 256, rgb, VTEST_W, VTEST_H, rect, 1 / 127.5, -1);
      expect(lb.scale).toBeLessThan(1 / 1.5); // the box filter's path
      const slow = new Float32Array(256 * 256 * 3).fill(-1);
      boxReference(slow, 256, 256, rgb, VTEST_W, VTEST_H, rect, lb.scale, lb.padX, lb.padY, 1 / 127.5, -1);
      expect(Buffer.from(fast.buffer).equals(Buffer.from(slow.buffer))).toBe(true);
    }
    // The full scan's tiles: the whole frame shrunk once by 256 / 449 into a larger buffer.
    const s = 256 / 449;
    const rw = Math.floor(VTEST_W * s);
    const rh = Math.floor(VTEST_H * s);
    const whole = { x: 0, y: 0, w: VTEST_W, h: VTEST_H };
    const fast = new Float32Array(rw * rh * 3);
    const slow = new Float32Array(rw * rh * 3);
    resampleInto(fast, rw, rh, rgb, VTEST_W, VTEST_H, whole, s, 0, 0, 1 / 127.5, -1);
    boxReference(slow, rw, rh, rgb, VTEST_W, VTEST_H, whole, s, 0, 0, 1 / 127.5, -1);
    expect(Buffer.from(fast.buffer).equals(Buffer.from(slow.buffer))).toBe(true);
  });
});
