import { defaultTiles, type TileOptions, tiles } from '@shopwatch/models';
import { merge, pad, type Rect } from './regions';
import type { Motion } from './motion-detector';

/** Where the face detector looks in one frame. */
export type SearchPlan =
  | { kind: 'none' }
  | { kind: 'regions'; regions: Rect[] }
  /** The whole frame plus the default 2 x 2 tiles (the cost before motion gating). */
  | { kind: 'full'; reason: 'first' | 'scene' | 'refresh' | 'busy' };

export interface SearchPlanOptions {
  /** Search the whole frame at least this often, for a face that arrived while nothing moved (default 10 s). */
  fullScanEveryMs?: number;
  /** More detector runs than this and the full scan is as cheap: do that instead (default 5). */
  maxRuns?: number;
  /** Smallest side of a searched region, frame pixels: a region is never upscaled past 256 / this. */
  minSide?: number;
  /** A detected face is searched again for this long even if it stands still (default 2 s). */
  faceHoldMs?: number;
}

/**
 * Turns motion regions (and faces seen a moment ago, which may have stopped moving) into the
 * regions the detector searches, each sized so its faces land where BlazeFace works best: a
 * region is searched as one square of side clamp(longest side, minSide, tile), so a small
 * region is magnified, and one larger than the default tile is cut into tiles of that size.
 * One instance per camera.
 */
export class SearchPlanner {
  private readonly o: Required<SearchPlanOptions>;
  private lastFullAt = -Infinity;
  private previousFullAt = -Infinity;
  /** Boxes of faces detected lately, with when (geometry only: no pixels, no descriptor). */
  private faces: { box: Rect; at: number }[] = [];

  constructor(opts: SearchPlanOptions = {}) {
    this.o = { fullScanEveryMs: 10_000, maxRuns: 5, minSide: 160, faceHoldMs: 2000, ...opts };
  }

  plan(motion: Motion, width: number, height: number, at: number): SearchPlan {
    if (motion.global || at - this.lastFullAt >= this.o.fullScanEveryMs) {
      const reason = this.lastFullAt === -Infinity ? 'first' : motion.global ? 'scene' : 'refresh';
      this.previousFullAt = this.lastFullAt;
      this.lastFullAt = at;
      return { kind: 'full', reason };
    }
    this.faces = this.faces.filter((f) => at - f.at <= this.o.faceHoldMs);
    const held = this.faces.map((f) => pad(f.box, Math.max(f.box.w, f.box.h), width, height));
    const wanted = merge([...motion.regions, ...held]);
    if (wanted.length === 0) return { kind: 'none' };
    const tile = defaultTiles(width, height);
    const regions = merge(wanted.map((r) => square(r, this.o.minSide, tile.size, width, height))).flatMap((r) =>
      split(r, tile),
    );
    if (regions.length > this.o.maxRuns) {
      this.previousFullAt = this.lastFullAt;
      this.lastFullAt = at;
      return { kind: 'full', reason: 'busy' };
    }
    return { kind: 'regions', regions };
  }

  /** The frame of `plan` was dropped (detector busy): a full scan it promised is still owed. */
  missed(plan: SearchPlan): void {
    if (plan.kind === 'full') this.lastFullAt = this.previousFullAt;
  }

  /** Faces the detector found in this frame: searched again in the next frames even if still. */
  noteFaces(boxes: Rect[], at: number): void {
    for (const box of boxes) this.faces.push({ box, at });
  }
}

/** The region grown (centred, kept inside the frame) to a square of side clamp(longest side, min, max). */
export function square(r: Rect, min: number, max: number, width: number, height: number): Rect {
  const side = Math.min(Math.max(r.w, r.h, min), max);
  const grow = (pos: number, len: number, extent: number): [number, number] => {
    // A side already longer than the tile stays as it is: split() cuts it into tiles.
    const target = Math.min(extent, Math.max(len, side));
    const start = Math.round(Math.min(Math.max(0, pos - (target - len) / 2), extent - target));
    return [start, Math.round(target)];
  };
  const [x, w] = grow(r.x, r.w, width);
  const [y, h] = grow(r.y, r.h, height);
  return { x, y, w, h };
}

/** A region larger than one tile cut into overlapping tiles of that size; others as they are. */
export function split(r: Rect, tile: TileOptions): Rect[] {
  if (r.w <= tile.size && r.h <= tile.size) return [r];
  return tiles(r.w, r.h, tile).map((t) => ({ x: t.x + r.x, y: t.y + r.y, w: t.w, h: t.h }));
}
