import { anchorCentres, type Candidate, decodeHead, weightedNms } from './blazeface-anchors.ts';
import type { BlazeFaceEntry } from './manifest.ts';
import { copyWindow, letterboxInto, type Rect, resampleInto } from './resample.ts';
import type { ort } from './session.ts';
import { type TileOptions, tiles } from './tiling.ts';

export interface FaceDetection {
  /** Box in image pixels, top-left corner and size. */
  box: { x: number; y: number; w: number; h: number };
  score: number;
  /** rightEye, leftEye, noseTip, mouthCentre, rightEar, leftEar (subject's right is image left). */
  keypoints: { x: number; y: number }[];
}

export interface DetectOptions {
  /** Minimum score (default: the manifest's `scoreThreshold`). */
  scoreThreshold?: number;
  /**
   * Extra passes over tiles at a finer scale so that small faces are found: `true` for the
   * default tiling, `false` for the whole frame only, or explicit tile geometry. Default
   * `false` for images up to 512 px, `true` above.
   */
  tiles?: boolean | TileOptions;
  /** Also (or, with `wholeFrame: false`, only) look inside these regions, e.g. person boxes. */
  regions?: Rect[];
  /** Run the letterboxed whole-frame pass (default true). */
  wholeFrame?: boolean;
  /**
   * A box whose overlap with a higher-scoring box covers at least this fraction of the smaller
   * of the two is the same face (default {@link CONTAINMENT_THRESHOLD}); 1 turns it off.
   */
  containmentThreshold?: number;
}

/**
 * Weighted NMS at IoU 0.3 keeps a box nested inside a bigger one of the same face: BlazeFace
 * gives one box for the whole head and a tighter one for the features, from different anchors,
 * scales or overlapping tiles (measured on human's `screenshot-facedetect.jpg` crop 2 at 800 px:
 * 400 px at 0.86 and 281 px at 0.76, IoU 0.28, but 66 % of the smaller box inside the larger).
 * Two real faces never overlap that much: in face-api's group photos the largest share of a
 * face box covered by a neighbour's is well under this.
 */
export const CONTAINMENT_THRESHOLD = 0.6;

/**
 * Default tiling: square tiles of 0.78 x the short side overlapping by 28%. On a 768x576 CCTV
 * frame that is 2 x 2 tiles of 449 px, scaled to the 256 input by 0.57: a 40 px face becomes
 * 23 px in the model input, well inside the range where BlazeFace (back model) still scores
 * > 0.85 (measured: 12-96 px faces in its input), and any face up to 126 px lies whole in some
 * tile; larger faces are the whole-frame pass's job (126 px there becomes 42 px).
 */
export function defaultTiles(width: number, height: number): TileOptions {
  const size = Math.max(256, Math.round(Math.min(width, height) * 0.78));
  return { size, overlap: Math.round(size * 0.28) };
}

/** Input pixels -> image pixels: image = input * k + (ox, oy). */
interface InputMapping {
  k: number;
  ox: number;
  oy: number;
}

export class BlazeFaceDetector {
  private readonly size: number;
  private readonly input: Float32Array;
  private readonly tensor: ort.Tensor;
  private readonly anchors: Float32Array[];
  /** The frame downscaled once for all tiles (reused across calls). */
  private scratch = new Float32Array(0);

  constructor(
    private readonly session: ort.InferenceSession,
    private readonly entry: BlazeFaceEntry,
    Tensor: typeof ort.Tensor,
  ) {
    this.size = Number(entry.input.shape[1]);
    this.input = new Float32Array(this.size * this.size * 3);
    this.tensor = new Tensor('float32', this.input, [1, this.size, this.size, 3]);
    this.anchors = entry.postprocess.heads.map((h) => anchorCentres(h));
  }

  /** Runs the model on the prepared input and returns candidates in image pixels (before NMS). */
  private async run(
    map: InputMapping,
    rect: Rect,
    width: number,
    height: number,
    threshold: number,
    dropCut: boolean,
    out: Candidate[],
  ): Promise<void> {
    const res = await this.session.run({ [this.entry.input.name]: this.tensor });
    const unit: Candidate[] = [];
    this.entry.postprocess.heads.forEach((head, i) => {
      decodeHead(
        res[head.scores].data as Float32Array,
        res[head.boxes].data as Float32Array,
        this.anchors[i],
        this.size,
        threshold,
        unit,
      );
    });
    const k = this.size * map.k; // unit input coordinates -> image pixels
    for (const c of unit) {
      const m: Candidate = {
        cx: c.cx * k + map.ox,
        cy: c.cy * k + map.oy,
        w: c.w * k,
        h: c.h * k,
        keypoints: c.keypoints,
        score: c.score,
      };
      for (let j = 0; j < 12; j += 2) {
        m.keypoints[j] = m.keypoints[j] * k + map.ox;
        m.keypoints[j + 1] = m.keypoints[j + 1] * k + map.oy;
      }
      // A face cut by a tile edge that is not the image edge is seen whole by a neighbour.
      if (dropCut && isCut(m, rect, width, height)) continue;
      out.push(m);
    }
  }

  /** Letterboxes one region of the image into the input and runs the model on it. */
  private async runRegion(
    rgb: Uint8Array,
    width: number,
    height: number,
    rect: Rect,
    threshold: number,
    dropCut: boolean,
    out: Candidate[],
  ): Promise<void> {
    const lb = letterboxInto(this.input, this.size, rgb, width, height, rect, 1 / 127.5, -1);
    const map = { k: 1 / lb.scale, ox: rect.x - lb.padX / lb.scale, oy: rect.y - lb.padY / lb.scale };
    await this.run(map, rect, width, height, threshold, dropCut, out);
  }

  /**
   * Tiles shrunk to the input: the frame is downscaled once and each tile is a window of it,
   * so the resampling cost is paid once per frame rather than once per tile.
   */
  private async runTiles(
    rgb: Uint8Array,
    width: number,
    height: number,
    tiling: TileOptions,
    threshold: number,
    out: Candidate[],
  ): Promise<void> {
    const s = this.size / tiling.size;
    if (s >= 1) {
      for (const t of tiles(width, height, tiling)) await this.runRegion(rgb, width, height, t, threshold, true, out);
      return;
    }
    const rw = Math.floor(width * s);
    const rh = Math.floor(height * s);
    if (this.scratch.length < rw * rh * 3) this.scratch = new Float32Array(rw * rh * 3);
    resampleInto(this.scratch, rw, rh, rgb, width, height, { x: 0, y: 0, w: width, h: height }, s, 0, 0, 1 / 127.5, -1);
    for (const t of tiles(rw, rh, { size: this.size, overlap: Math.round(tiling.overlap * s) })) {
      copyWindow(this.input, this.size, this.scratch, rw, rh, t.x, t.y, -1);
      const rect = { x: t.x / s, y: t.y / s, w: t.w / s, h: t.h / s };
      await this.run({ k: 1 / s, ox: t.x / s, oy: t.y / s }, rect, width, height, threshold, true, out);
    }
  }

  async detect(rgb: Uint8Array, width: number, height: number, opts: DetectOptions = {}): Promise<FaceDetection[]> {
    if (rgb.length < width * height * 3)
      throw new Error(`rgb has ${rgb.length} bytes, ${width}x${height} RGB24 needs ${width * height * 3}`);
    const threshold = opts.scoreThreshold ?? this.entry.postprocess.scoreThreshold;
    const candidates: Candidate[] = [];
    if (opts.wholeFrame ?? true)
      await this.runRegion(rgb, width, height, { x: 0, y: 0, w: width, h: height }, threshold, false, candidates);
    const tiling = opts.tiles ?? Math.max(width, height) > 512;
    if (tiling)
      await this.runTiles(
        rgb,
        width,
        height,
        tiling === true ? defaultTiles(width, height) : tiling,
        threshold,
        candidates,
      );
    for (const r of opts.regions ?? []) {
      const clipped = clip(r, width, height);
      if (clipped.w >= 8 && clipped.h >= 8)
        await this.runRegion(rgb, width, height, clipped, threshold, true, candidates);
    }
    const merged = weightedNms(candidates, this.entry.postprocess.nms.iouThreshold);
    return suppressContained(merged, opts.containmentThreshold ?? CONTAINMENT_THRESHOLD).map(toDetection);
  }
}

/**
 * Drops every box that lies largely inside a higher-scoring kept box (intersection over the
 * smaller box's area ≥ `threshold`), so one face yields one box. Input order does not matter.
 *
 * @example suppressContained([big, nestedInBig], 0.6) // [big] when big scores higher
 */
export function suppressContained(boxes: Candidate[], threshold: number): Candidate[] {
  const kept: Candidate[] = [];
  for (const c of [...boxes].sort((a, b) => b.score - a.score)) {
    if (!kept.some((k) => containment(k, c) >= threshold)) kept.push(c);
  }
  return kept;
}

/** Intersection area over the area of the smaller of two centre-size boxes. */
export function containment(a: Candidate, b: Candidate): number {
  const ix = Math.min(a.cx + a.w / 2, b.cx + b.w / 2) - Math.max(a.cx - a.w / 2, b.cx - b.w / 2);
  const iy = Math.min(a.cy + a.h / 2, b.cy + b.h / 2) - Math.max(a.cy - a.h / 2, b.cy - b.h / 2);
  if (ix <= 0 || iy <= 0) return 0;
  return (ix * iy) / Math.min(a.w * a.h, b.w * b.h);
}

function isCut(c: Candidate, rect: Rect, width: number, height: number): boolean {
  const margin = 1;
  return (
    (rect.x > 0 && c.cx - c.w / 2 < rect.x + margin) ||
    (rect.y > 0 && c.cy - c.h / 2 < rect.y + margin) ||
    (rect.x + rect.w < width && c.cx + c.w / 2 > rect.x + rect.w - margin) ||
    (rect.y + rect.h < height && c.cy + c.h / 2 > rect.y + rect.h - margin)
  );
}

function clip(r: Rect, width: number, height: number): Rect {
  const x = Math.max(0, Math.floor(r.x));
  const y = Math.max(0, Math.floor(r.y));
  return { x, y, w: Math.min(width, Math.ceil(r.x + r.w)) - x, h: Math.min(height, Math.ceil(r.y + r.h)) - y };
}

function toDetection(c: Candidate): FaceDetection {
  const keypoints = [];
  for (let j = 0; j < 12; j += 2) keypoints.push({ x: c.keypoints[j], y: c.keypoints[j + 1] });
  return { box: { x: c.cx - c.w / 2, y: c.cy - c.h / 2, w: c.w, h: c.h }, score: c.score, keypoints };
}
