import type { Rect } from './resample.ts';

export interface TileOptions {
  /** Side of each square tile in source pixels. */
  size: number;
  /** Minimum overlap between neighbouring tiles, in source pixels: at least the largest face a tile must see whole. */
  overlap: number;
}

/**
 * Square tiles covering a `width`x`height` image, evenly spread along each axis so that
 * neighbours overlap by at least `overlap` pixels and no tile leaves the image (unless the
 * image is smaller than a tile, in which case the one tile is the whole axis).
 *
 * @example tiles(768, 576, { size: 320, overlap: 64 }) // 3 x 2 tiles
 */
export function tiles(width: number, height: number, opts: TileOptions): Rect[] {
  const axis = (extent: number): [number, number][] => {
    if (extent <= opts.size) return [[0, extent]];
    const n = Math.ceil((extent - opts.overlap) / (opts.size - opts.overlap));
    const stride = (extent - opts.size) / (n - 1);
    return Array.from({ length: n }, (_, i) => [Math.round(i * stride), opts.size] as [number, number]);
  };
  const out: Rect[] = [];
  for (const [y, h] of axis(height)) for (const [x, w] of axis(width)) out.push({ x, y, w, h });
  return out;
}
