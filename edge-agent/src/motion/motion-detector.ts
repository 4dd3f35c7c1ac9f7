import { components, dilate, merge, pad, type Rect } from './regions';

export interface MotionOptions {
  /** Width of the grey frame compared with the background; its height keeps the aspect (default 160). */
  width?: number;
  /** Grey-level difference (0-255) from the background that counts as change (default 25). */
  threshold?: number;
  /** Weight of each new frame in the running-average background (default 0.05: ~4 s at 5 fps). */
  alpha?: number;
  /** Dilation radius in grey-frame pixels that joins the parts of one mover (default 2). */
  dilate?: number;
  /** Smallest blob kept, in grey-frame pixels (default 6: about 14 x 14 px on a 768 px frame). */
  minArea?: number;
  /** Padding around each blob in frame pixels, so a head at a blob's edge is whole (default 16). */
  padding?: number;
  /** Above this fraction of changed pixels the scene changed as a whole (lights, iris, a camera bump). */
  globalFraction?: number;
}

export interface Motion {
  /** Merged, padded regions that moved, in frame pixels. */
  regions: Rect[];
  /** Fraction of the grey frame that differs from the background. */
  changedFraction: number;
  /** The first frame (the background starts here) or a change of the whole scene: search it all. */
  global: boolean;
}

/**
 * Frame differencing against a running-average background on a small grey frame (as Frigate
 * gates its detector): a static frame costs one pass over the pixels and yields no region, so
 * the face detector runs only where something moved. One instance per camera.
 *
 * @example
 * const motion = new MotionDetector();
 * const { regions, global } = motion.detect(frame.rgb, frame.width, frame.height);
 */
export class MotionDetector {
  private readonly o: Required<MotionOptions>;
  private background: Float32Array | null = null;
  private grey = new Uint8Array(0);
  private mask = new Uint8Array(0);
  private sw = 0;
  private sh = 0;
  private srcW = 0;
  private srcH = 0;

  constructor(opts: MotionOptions = {}) {
    this.o = {
      width: 160,
      threshold: 25,
      alpha: 0.05,
      dilate: 2,
      minArea: 6,
      padding: 16,
      globalFraction: 0.5,
      ...opts,
    };
  }

  detect(rgb: Uint8Array, width: number, height: number): Motion {
    if (width !== this.srcW || height !== this.srcH) this.resize(width, height);
    this.downscale(rgb);
    const { grey, sw, sh } = this;
    const bg = this.background;
    if (!bg) {
      this.background = Float32Array.from(grey);
      return { regions: [], changedFraction: 1, global: true };
    }
    const mask = this.mask.fill(0); // reused: no allocation per frame on the main thread
    let changed = 0;
    const { threshold, alpha } = this.o;
    for (let i = 0; i < grey.length; i++) {
      const g = grey[i]!;
      const d = g - bg[i]!;
      if (d > threshold || d < -threshold) {
        mask[i] = 1;
        changed++;
      }
      bg[i] = bg[i]! + alpha * d;
    }
    const changedFraction = changed / grey.length;
    if (changedFraction > this.o.globalFraction) {
      bg.set(grey); // a new scene: compare the next frames with it, not with the old one
      return { regions: [], changedFraction, global: true };
    }
    if (changed === 0) return { regions: [], changedFraction, global: false };
    const kx = width / sw;
    const ky = height / sh;
    const regions = components(dilate(mask, sw, sh, this.o.dilate), sw, sh)
      .filter((b) => b.area >= this.o.minArea)
      .map((b) => pad({ x: b.x * kx, y: b.y * ky, w: b.w * kx, h: b.h * ky }, this.o.padding, width, height))
      .map(roundRect);
    return { regions: merge(regions), changedFraction, global: false };
  }

  private resize(width: number, height: number) {
    this.srcW = width;
    this.srcH = height;
    this.sw = Math.min(width, this.o.width);
    this.sh = Math.max(1, Math.round((this.sw * height) / width));
    this.grey = new Uint8Array(this.sw * this.sh);
    this.mask = new Uint8Array(this.sw * this.sh);
    this.background = null;
  }

  /**
   * Box-average of a 2 x 2 grid of samples per grey pixel (luma, BT.601 weights in integers):
   * enough to smooth compression noise, and ~1 ms for a 768 x 576 frame.
   */
  private downscale(rgb: Uint8Array) {
    const { sw, sh, srcW, srcH, grey } = this;
    const bx = srcW / sw;
    const by = srcH / sh;
    for (let y = 0; y < sh; y++) {
      const r0 = Math.floor((y + 0.25) * by);
      const r1 = Math.min(srcH - 1, Math.floor((y + 0.75) * by));
      for (let x = 0; x < sw; x++) {
        const c0 = Math.floor((x + 0.25) * bx);
        const c1 = Math.min(srcW - 1, Math.floor((x + 0.75) * bx));
        const sum =
          luma(rgb, (r0 * srcW + c0) * 3) +
          luma(rgb, (r0 * srcW + c1) * 3) +
          luma(rgb, (r1 * srcW + c0) * 3) +
          luma(rgb, (r1 * srcW + c1) * 3);
        grey[y * sw + x] = sum >> 10; // 4 samples x weights summing to 256
      }
    }
  }
}

const luma = (rgb: Uint8Array, i: number) => 77 * rgb[i]! + 150 * rgb[i + 1]! + 29 * rgb[i + 2]!;

function roundRect(r: Rect): Rect {
  const x = Math.floor(r.x);
  const y = Math.floor(r.y);
  return { x, y, w: Math.ceil(r.x + r.w) - x, h: Math.ceil(r.y + r.h) - y };
}
