/** Rectangle in image pixels. */
export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** How a source rectangle sits in a square model input: input = (source - rect.xy) * scale + pad. */
export interface Letterbox {
  rect: Rect;
  scale: number;
  padX: number;
  padY: number;
}

/**
 * Writes `rect` of an RGB24 image, scaled to fit and centred (letterboxed) in a `size`x`size`
 * NHWC float input, as `pixel * mul + add`; padding and pixels outside the image read as 0.
 */
export function letterboxInto(
  dst: Float32Array,
  size: number,
  rgb: Uint8Array,
  width: number,
  height: number,
  rect: Rect,
  mul: number,
  add: number,
): Letterbox {
  const scale = Math.min(size / rect.w, size / rect.h);
  const padX = (size - rect.w * scale) / 2;
  const padY = (size - rect.h * scale) / 2;
  dst.fill(add, 0, size * size * 3);
  resampleInto(dst, size, size, rgb, width, height, rect, scale, padX, padY, mul, add);
  return { rect, scale, padX, padY };
}

/** Per-column tables of the bilinear path, kept between calls (grown, never shrunk). */
let colA = new Int32Array(0);
let colB = new Int32Array(0);
let colF = new Float64Array(0);

/**
 * Resamples `rect` of an RGB24 image by `scale` into a `dstW`x`dstH` NHWC float buffer at
 * offset (padX, padY), as `pixel * mul + add`. Pixels of `dst` outside the scaled rect are
 * left untouched.
 *
 * Upscaling and mild downscaling sample bilinearly; downscaling by more than 1.5x averages the
 * source pixels under each output pixel (a box filter), so a whole 768x576 frame shrunk to 256
 * does not alias. Allocates only small per-axis index tables.
 */
export function resampleInto(
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

  if (step <= 1.5) {
    // Each column's two source offsets and weight, computed once per call rather than once per
    // row (issue 15: this loop ran for every detector run and cost about a fifth of one).
    const n = Math.max(0, ox1 - ox0);
    if (colA.length < n) {
      colA = new Int32Array(n);
      colB = new Int32Array(n);
      colF = new Float64Array(n);
    }
    const xa = colA;
    const xb = colB;
    const xf = colF;
    for (let i = 0; i < n; i += 1) {
      const sx = rect.x + (ox0 + i + 0.5 - padX) * step - 0.5;
      const x0 = Math.floor(sx);
      xf[i] = sx - x0;
      xa[i] = Math.min(width - 1, Math.max(0, x0)) * 3;
      xb[i] = Math.min(width - 1, Math.max(0, x0 + 1)) * 3;
    }
    for (let oy = oy0; oy < oy1; oy += 1) {
      const sy = rect.y + (oy + 0.5 - padY) * step - 0.5;
      const y0 = Math.floor(sy);
      const fy = sy - y0;
      const r0 = Math.min(height - 1, Math.max(0, y0)) * stride;
      const r1 = Math.min(height - 1, Math.max(0, y0 + 1)) * stride;
      let d = (oy * dstW + ox0) * 3;
      for (let i = 0; i < n; i += 1) {
        const fx = xf[i];
        const a0 = r0 + xa[i];
        const b0 = r0 + xb[i];
        const a1 = r1 + xa[i];
        const b1 = r1 + xb[i];
        // The same arithmetic, in the same order, as per-pixel bilinear sampling: bit-identical results.
        let top = rgb[a0] + (rgb[b0] - rgb[a0]) * fx;
        let bottom = rgb[a1] + (rgb[b1] - rgb[a1]) * fx;
        dst[d++] = (top + (bottom - top) * fy) * mul + add;
        top = rgb[a0 + 1] + (rgb[b0 + 1] - rgb[a0 + 1]) * fx;
        bottom = rgb[a1 + 1] + (rgb[b1 + 1] - rgb[a1 + 1]) * fx;
        dst[d++] = (top + (bottom - top) * fy) * mul + add;
        top = rgb[a0 + 2] + (rgb[b0 + 2] - rgb[a0 + 2]) * fx;
        bottom = rgb[a1 + 2] + (rgb[b1 + 2] - rgb[a1 + 2]) * fx;
        dst[d++] = (top + (bottom - top) * fy) * mul + add;
      }
    }
    return;
  }

  // Box filter: output pixel covers source [start, end) on each axis.
  const span = (o: number, pad: number, origin: number, limit: number): [number, number] => {
    const s = Math.max(0, Math.min(limit - 1, Math.floor(origin + (o - pad) * step)));
    const e = Math.max(s + 1, Math.min(limit, Math.round(origin + (o + 1 - pad) * step)));
    return [s, e];
  };
  const xs = new Int32Array((ox1 - ox0) * 2);
  for (let ox = ox0; ox < ox1; ox += 1) {
    const [s, e] = span(ox, padX, rect.x, width);
    xs[(ox - ox0) * 2] = s;
    xs[(ox - ox0) * 2 + 1] = e;
  }
  for (let oy = oy0; oy < oy1; oy += 1) {
    const [ys, ye] = span(oy, padY, rect.y, height);
    let d = (oy * dstW + ox0) * 3;
    for (let i = 0; i < xs.length; i += 2) {
      const xs0 = xs[i];
      const xs1 = xs[i + 1];
      let r = 0;
      let g = 0;
      let b = 0;
      for (let y = ys; y < ye; y += 1) {
        let p = y * stride + xs0 * 3;
        for (let x = xs0; x < xs1; x += 1) {
          r += rgb[p];
          g += rgb[p + 1];
          b += rgb[p + 2];
          p += 3;
        }
      }
      const k = mul / ((ye - ys) * (xs1 - xs0));
      dst[d++] = r * k + add;
      dst[d++] = g * k + add;
      dst[d++] = b * k + add;
    }
  }
}

/**
 * Copies the `size`x`size` window at (x, y) of an NHWC float image into `dst`; parts of the
 * window outside the image are set to `fill`.
 */
export function copyWindow(
  dst: Float32Array,
  size: number,
  src: Float32Array,
  srcW: number,
  srcH: number,
  x: number,
  y: number,
  fill: number,
): void {
  const w = Math.max(0, Math.min(size, srcW - x));
  for (let r = 0; r < size; r += 1) {
    const d = r * size * 3;
    if (y + r >= srcH || w === 0) {
      dst.fill(fill, d, d + size * 3);
      continue;
    }
    const s = ((y + r) * srcW + x) * 3;
    dst.set(src.subarray(s, s + w * 3), d);
    if (w < size) dst.fill(fill, d + w * 3, d + size * 3);
  }
}
