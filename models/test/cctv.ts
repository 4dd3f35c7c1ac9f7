/** Helpers for CCTV-like test frames: decode vtest.avi frames, paste a face into a frame. */
import { execFileSync } from 'node:child_process';
import sharp from 'sharp';
import type { Rect } from '../src/resample.ts';
import { vtestAvi } from './fixtures.ts';

export const VTEST_W = 768;
export const VTEST_H = 576;

/** RGB24 frames `first, first + step, …` (count of them) of vtest.avi, decoded by ffmpeg. */
export function vtestFrames(first: number, step: number, count: number): Buffer[] {
  const raw = execFileSync(
    'ffmpeg',
    [
      '-v',
      'error',
      '-i',
      vtestAvi,
      '-vf',
      `select=gte(n\\,${first})*not(mod(n-${first}\\,${step}))`,
      '-vsync',
      '0',
      '-frames:v',
      String(count),
      '-f',
      'rawvideo',
      '-pix_fmt',
      'rgb24',
      'pipe:1',
    ],
    { maxBuffer: 1 << 30 },
  );
  const size = VTEST_W * VTEST_H * 3;
  return Array.from({ length: raw.length / size }, (_, i) => raw.subarray(i * size, (i + 1) * size));
}

/**
 * Copies `region` of an RGB24 image, resized to `side`x`side`, into `frame` with its top-left
 * at (x, y). Returns the frame (modified in place).
 */
export async function pasteRegion(
  frame: Buffer,
  frameW: number,
  src: { rgb: Uint8Array; width: number; height: number },
  region: Rect,
  x: number,
  y: number,
  side: number,
): Promise<Buffer> {
  const patch = await sharp(src.rgb, { raw: { width: src.width, height: src.height, channels: 3 } })
    .extract({ left: region.x, top: region.y, width: region.w, height: region.h })
    .resize(side, side)
    .raw()
    .toBuffer();
  for (let r = 0; r < side; r += 1) patch.copy(frame, ((y + r) * frameW + x) * 3, r * side * 3, (r + 1) * side * 3);
  return frame;
}
