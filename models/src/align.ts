import type { FaceDetection } from './detect.ts';
import type { Manifest, Point } from './manifest.ts';

/** A 2-D similarity transform: x' = a x - b y + tx, y' = b x + a y + ty. */
export interface Similarity {
  a: number;
  b: number;
  tx: number;
  ty: number;
}

/**
 * Least-squares similarity transform taking `src` points onto `dst` points (Umeyama 1991,
 * without reflection): the closed form for rotation + uniform scale + translation.
 */
export function estimateSimilarity(src: Point[], dst: Point[]): Similarity {
  const n = src.length;
  let sx = 0,
    sy = 0,
    dx = 0,
    dy = 0;
  for (let i = 0; i < n; i += 1) {
    sx += src[i][0];
    sy += src[i][1];
    dx += dst[i][0];
    dy += dst[i][1];
  }
  sx /= n;
  sy /= n;
  dx /= n;
  dy /= n;
  let num1 = 0,
    num2 = 0,
    den = 0;
  for (let i = 0; i < n; i += 1) {
    const px = src[i][0] - sx,
      py = src[i][1] - sy;
    const qx = dst[i][0] - dx,
      qy = dst[i][1] - dy;
    num1 += px * qx + py * qy;
    num2 += px * qy - py * qx;
    den += px * px + py * py;
  }
  const a = num1 / den;
  const b = num2 / den;
  return { a, b, tx: dx - (a * sx - b * sy), ty: dy - (b * sx + a * sy) };
}

/** The chip-space targets of BlazeFace's eyes, nose tip and mouth centre. */
export function chipTemplate(alignment: Manifest['alignment']): Point[] {
  const t = alignment.template112;
  const sq = alignment.chip.templateSquare;
  const k = alignment.chip.size / sq.size;
  return [t.rightEye, t.leftEye, t.noseTip, t.mouthCentre].map(([x, y]) => [(x - sq.x) * k, (y - sq.y) * k]);
}

/**
 * Warps the face into a `size`x`size` RGB24 chip by the similarity transform that best maps
 * its eyes, nose tip and mouth centre onto the template. Samples bilinearly, averaging
 * several samples per chip pixel when the face is much larger than the chip; outside the
 * image reads as black. Writes into `out` when given (no allocation).
 */
export function warpFace(
  rgb: Uint8Array,
  width: number,
  height: number,
  face: FaceDetection,
  template: Point[],
  size: number,
  out: Uint8Array = new Uint8Array(size * size * 3),
): Uint8Array {
  const src = face.keypoints.slice(0, 4).map((p) => [p.x, p.y] as Point);
  const m = estimateSimilarity(template, src); // chip -> image
  const scale = Math.hypot(m.a, m.b); // image pixels per chip pixel
  const ss = Math.min(4, Math.max(1, Math.ceil(scale - 0.25)));
  const stride = width * 3;
  const inv = 1 / (ss * ss);
  let d = 0;
  for (let v = 0; v < size; v += 1) {
    for (let u = 0; u < size; u += 1) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (let j = 0; j < ss; j += 1) {
        const cy = v + (j + 0.5) / ss - 0.5;
        for (let i = 0; i < ss; i += 1) {
          const cx = u + (i + 0.5) / ss - 0.5;
          const x = m.a * cx - m.b * cy + m.tx;
          const y = m.b * cx + m.a * cy + m.ty;
          if (x < -0.5 || y < -0.5 || x > width - 0.5 || y > height - 0.5) continue;
          const x0 = Math.floor(x);
          const y0 = Math.floor(y);
          const fx = x - x0;
          const fy = y - y0;
          const xa = Math.max(x0, 0) * 3;
          const xb = Math.min(x0 + 1, width - 1) * 3;
          const ya = Math.max(y0, 0) * stride;
          const yb = Math.min(y0 + 1, height - 1) * stride;
          const w00 = (1 - fx) * (1 - fy);
          const w01 = fx * (1 - fy);
          const w10 = (1 - fx) * fy;
          const w11 = fx * fy;
          r += rgb[ya + xa] * w00 + rgb[ya + xb] * w01 + rgb[yb + xa] * w10 + rgb[yb + xb] * w11;
          g += rgb[ya + xa + 1] * w00 + rgb[ya + xb + 1] * w01 + rgb[yb + xa + 1] * w10 + rgb[yb + xb + 1] * w11;
          b += rgb[ya + xa + 2] * w00 + rgb[ya + xb + 2] * w01 + rgb[yb + xa + 2] * w10 + rgb[yb + xb + 2] * w11;
        }
      }
      out[d++] = Math.round(r * inv);
      out[d++] = Math.round(g * inv);
      out[d++] = Math.round(b * inv);
    }
  }
  return out;
}
