import { type TileOptions, tiles } from '@shopwatch/models';
import { Cadence } from './cadence';
import { groupWithin } from './region-groups';
import { merge, overlaps, pad, type Rect } from './regions';
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
  /**
   * A face held where nothing moves any more is searched this often, not in every frame (default
   * 600 ms). Most such faces have left (at the entrance, 10 frames of searching an empty spot
   * after every pass); one that stood still is found again in time to renew its hold and keep
   * its track (tracks last `windowSeconds`, 3 s).
   */
  stillFaceEveryMs?: number;
  /**
   * Motion that one judged face explains (the region fits the silhouette of that one person) is
   * looked at this often, not in every frame (default 600 ms): its face needs no descriptor, and
   * looking now and then keeps its track (see `judged` of {@link SearchPlanner.plan}).
   */
  judgedEveryMs?: number;
  /**
   * Longest side of one detector window, frame pixels (default {@link windowForFaces} of the
   * smallest face ever matched, 30 px: 451). A window is shrunk to the model's 256 px input, so
   * this bounds how small a face gets there. Nearby regions share a window up to this side.
   */
  maxSide?: number;
}

/** The detector's input side (BlazeFace back model: 256 x 256). */
const INPUT_SIDE = 256;
/**
 * Smallest face, in the model's input pixels, that is found as reliably as at the full scan's
 * tile scale (a 30 px face in a 449 px tile is 17 px there). Measured on the identity set's faces
 * shrunk to 30 px, JPEG q60, pasted into a vtest.avi frame (135 placements): found 132 in windows
 * of 449 and 512 px (17 and 15 px in the input), 127 at 576, 113 at 640; but on the bench's busy
 * scene the other person's 40 px face was found in 2 frames of a second at 512 against 4 at 449.
 */
export const MIN_INPUT_FACE_PX = 17;
/** Faces narrower than this are never matched (the smallest calibrated band of the models). */
export const SMALLEST_MATCHED_FACE_PX = 30;

/** The widest window in which a face `facePx` wide still lands at {@link MIN_INPUT_FACE_PX} in the input. */
export const windowForFaces = (facePx: number) => Math.floor((INPUT_SIDE * facePx) / MIN_INPUT_FACE_PX);

/**
 * Turns motion regions (and faces seen a moment ago, which may have stopped moving) into the
 * windows the detector searches, each sized so its faces land where BlazeFace works best: a
 * region is grown to a square of side clamp(longest side, minSide, maxSide), so a small region
 * is magnified, one larger than maxSide is cut into overlapping tiles of that size, and pieces
 * that fit in one maxSide window together are searched in one run (issue 15: detector runs are
 * the cost of a frame, and two people a few steps apart cost one run each). Faces held where
 * nothing moves are looked at every `stillFaceEveryMs`. One instance per camera.
 */
export class SearchPlanner {
  private readonly o: Required<SearchPlanOptions>;
  private lastFullAt = -Infinity;
  private previousFullAt = -Infinity;
  /** Looks at held faces where nothing moves, and at motion that judged faces explain. */
  private readonly stillLooks: Cadence<SearchPlan>;
  private readonly judgedLooks: Cadence<SearchPlan>;
  /** Boxes of faces detected lately, with when (geometry only: no pixels, no descriptor). */
  private faces: { box: Rect; at: number }[] = [];

  constructor(opts: SearchPlanOptions = {}) {
    this.o = {
      fullScanEveryMs: 10_000,
      maxRuns: 5,
      minSide: 160,
      faceHoldMs: 2000,
      stillFaceEveryMs: 600,
      judgedEveryMs: 600,
      maxSide: windowForFaces(SMALLEST_MATCHED_FACE_PX),
      ...opts,
    };
    this.stillLooks = new Cadence(this.o.stillFaceEveryMs);
    this.judgedLooks = new Cadence(this.o.judgedEveryMs);
  }

  /**
   * Where to look in the frame of `at`. `judged`: where faces on judged tracks are expected now
   * (matched and reported, or confidently nobody); motion that one of them explains alone is
   * looked at every `judgedEveryMs` only. A second person joining them makes the region too wide
   * for one silhouette, so it is searched in every frame again.
   */
  plan(motion: Motion, width: number, height: number, at: number, judged: readonly Rect[] = []): SearchPlan {
    if (motion.global || at - this.lastFullAt >= this.o.fullScanEveryMs) {
      const reason = this.lastFullAt === -Infinity ? 'first' : motion.global ? 'scene' : 'refresh';
      this.previousFullAt = this.lastFullAt;
      this.lastFullAt = at;
      return { kind: 'full', reason };
    }
    this.faces = this.faces.filter((f) => at - f.at <= this.o.faceHoldMs);
    // Motion and held faces that judged faces explain: looked at now and then, as are held faces
    // where nothing moves any more (still, or gone).
    const silhouettes = judged.map(silhouette);
    const explained = (r: Rect) => silhouettes.some((s) => inside(r, s));
    // A held face whose judged track has moved on since (its last look) is that track's.
    const onJudged = (f: Rect) => judged.some((j) => sameFace(f, j));
    const moving = motion.regions.filter((m) => !explained(m));
    const heldFaces = this.faces.filter((f) => !onJudged(f.box));
    const judgedWanted = motion.regions.length > moving.length || heldFaces.length < this.faces.length;
    const judgedDue = judgedWanted && this.judgedLooks.due(at);
    const regions0 = judgedDue ? motion.regions : moving;
    const held = (judgedDue ? this.faces : heldFaces).map((f) => pad(f.box, Math.max(f.box.w, f.box.h), width, height));
    const still = held.filter((h) => !regions0.some((m) => overlaps(h, m)));
    const stillDue = still.length > 0 && this.stillLooks.due(at);
    const wanted = merge([...regions0, ...held.filter((h) => stillDue || !still.includes(h))]);
    if (wanted.length === 0) return { kind: 'none' };
    const { maxSide, minSide } = this.o;
    // Overlap as the default tiles have it (28 %): a face up to that size is whole in some tile.
    const tile = { size: maxSide, overlap: Math.round(maxSide * 0.28) };
    const pieces = merge(wanted.map((r) => square(r, minSide, maxSide, width, height))).flatMap((r) => split(r, tile));
    const regions = groupWithin(pieces, maxSide);
    const plan: SearchPlan =
      regions.length > this.o.maxRuns ? { kind: 'full', reason: 'busy' } : { kind: 'regions', regions };
    if (plan.kind === 'full') {
      this.previousFullAt = this.lastFullAt;
      this.lastFullAt = at;
    }
    if (stillDue) this.stillLooks.took(at, plan);
    if (judgedDue) this.judgedLooks.took(at, plan);
    return plan;
  }

  /** The frame of `plan` was dropped (detector busy): a full scan or a look it promised is still owed. */
  missed(plan: SearchPlan): void {
    if (plan.kind === 'full') this.lastFullAt = this.previousFullAt;
    this.stillLooks.missed(plan);
    this.judgedLooks.missed(plan);
  }

  /** Faces the detector found in this frame: searched again in the next frames even if still. */
  noteFaces(boxes: Rect[], at: number): void {
    // A face held is its latest sighting: the trail of one walking face is not held behind it
    // (each spot of it would be searched again as a face that stopped where nothing moves).
    const older = this.faces.filter((f) => f.at < at && !boxes.some((b) => sameFace(f.box, b)));
    this.faces = [...older, ...this.faces.filter((f) => f.at >= at), ...boxes.map((box) => ({ box, at }))];
  }
}

/**
 * Where the motion of the one person whose face is `f` can be: a head-and-shoulders width either
 * side of the face, from a face height above it to a standing body below it, with the motion
 * gate's padding (16 px). Two people side by side, or one passing behind, do not fit in it.
 */
export function silhouette(f: Rect): Rect {
  const slack = 16;
  return { x: f.x - 1.5 * f.w - slack, y: f.y - f.h - slack, w: 4 * f.w + 2 * slack, h: 10 * f.h + 2 * slack };
}

/** Whether `next` is likely the face seen at `prev` a moment before: a similar size, within two widths. */
function sameFace(prev: Rect, next: Rect): boolean {
  const ratio = Math.max(prev.w, next.w) / Math.max(1, Math.min(prev.w, next.w));
  const d = Math.hypot(prev.x + prev.w / 2 - (next.x + next.w / 2), prev.y + prev.h / 2 - (next.y + next.h / 2));
  return ratio <= 1.5 && d <= 2 * Math.max(prev.w, next.w);
}

const inside = (r: Rect, s: Rect) => r.x >= s.x && r.y >= s.y && r.x + r.w <= s.x + s.w && r.y + r.h <= s.y + s.h;

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
