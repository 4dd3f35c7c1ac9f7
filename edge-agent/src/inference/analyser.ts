import type { Box } from '@shopwatch/protocols';
import {
  type DetectOptions,
  describeForMatching,
  type FaceDetection,
  faceQuality,
  type Vision,
} from '@shopwatch/models';

/** A face found in a frame with its 128-d descriptor. Lives in memory only. */
export interface AnalysedFace extends FaceDetection {
  /** `null` for a face not described: see `undescribed` for why. */
  descriptor: Float32Array | null;
  /**
   * {@link faceQuality} score in [0, 1]: weights the face in its track and picks the evidence crop
   * (0 for a face not described).
   */
  quality: number;
  /**
   * Why the face has no descriptor: on a track already judged (`known` of {@link DescribeSkip}), or
   * narrower than `minFacePx`. Absent for a described face.
   */
  undescribed?: 'judged' | 'small';
}

/** Faces found but neither aligned nor described: the matcher could do nothing with their descriptors. */
export interface DescribeSkip {
  /** Last boxes of tracks already judged: their descriptors could not change the judgement. */
  known?: readonly Box[];
  /**
   * Faces narrower than this (px, the detector's box) can never be matched (no threshold is
   * calibrated under the smallest face band): on a busy street most faces are 8-14 px wide, and
   * describing them was most of the descriptor work for nothing.
   */
  minFacePx?: number;
}

/** The faces of one frame, and the chips the descriptor network ran on for it (mirrors included). */
export interface AnalysedFrame {
  faces: AnalysedFace[];
  chipsDescribed: number;
}

/**
 * Detect → align → describe on one frame. Swappable: in this thread ({@link inThreadAnalyser},
 * one frame at a time) or a pool of worker threads ({@link InferencePool}, `slots` at a time).
 */
export interface FaceAnalyser {
  readonly type: 'in-thread' | 'pool';
  /** How many frames it analyses at once; the scheduler keeps at most this many in flight. */
  readonly slots: number;
  /** Chips the descriptor network ran on so far, all frames together (its work, as the workers report it). */
  readonly chipsDescribed: number;
  /**
   * Faces `skip` names are detected (so tracking goes on) but neither aligned nor described.
   * `rgb` may be read until the promise settles: the caller must not reuse it before.
   */
  analyse(
    rgb: Uint8Array,
    width: number,
    height: number,
    opts: DetectOptions,
    skip?: DescribeSkip,
  ): Promise<AnalysedFace[]>;
  close(): Promise<void>;
}

/** Every face of a frame to describe, described in one batched inference (the shared pipeline of both types). */
export async function analyseWith(
  vision: Vision,
  rgb: Uint8Array,
  width: number,
  height: number,
  opts: DetectOptions,
  skip: DescribeSkip = {},
): Promise<AnalysedFrame> {
  const all = await vision.detectFaces(rgb, width, height, opts);
  if (all.length === 0) return { faces: [], chipsDescribed: 0 };
  // Box only, no alignment nor inference: faces on judged tracks (issue 15: judge tracks, not
  // frames) and faces too small to ever match.
  const why = (f: FaceDetection): AnalysedFace['undescribed'] =>
    onKnownTrack(f.box, skip.known ?? []) ? 'judged' : f.box.w < (skip.minFacePx ?? 0) ? 'small' : undefined;
  const reasons = all.map(why);
  const faces = all.filter((_, i) => !reasons[i]);
  const chips = faces.map((f) => vision.alignFace(rgb, width, height, f));
  // Small faces: chip and mirror averaged (what the band thresholds were calibrated on).
  const widths = faces.map((f) => f.box.w);
  let chipsDescribed = 0;
  const describe = (c: Uint8Array[]) => ((chipsDescribed += c.length), vision.describeFaces(c));
  const descriptors = faces.length > 0 ? await describeForMatching(describe, chips, widths, vision.chipSize) : [];
  return {
    faces: [
      ...faces.map((f, i) => ({
        ...f,
        descriptor: descriptors[i]!,
        quality: faceQuality(f, chips[i]!, vision.chipSize).score,
      })),
      ...all.flatMap((f, i) => (reasons[i] ? [{ ...f, descriptor: null, quality: 0, undescribed: reasons[i] }] : [])),
    ],
    chipsDescribed,
  };
}

/**
 * Whether a face sits where a judged track was last seen: centres within half a face width and
 * a similar size. Stricter than track association, so a new face passing close by is still described.
 */
export function onKnownTrack(box: Box, known: readonly Box[]): boolean {
  return known.some((k) => {
    const d = Math.hypot(k.x + k.w / 2 - (box.x + box.w / 2), k.y + k.h / 2 - (box.y + box.h / 2));
    const ratio = box.w / Math.max(k.w, 1);
    return d <= 0.5 * Math.max(k.w, box.w) && ratio >= 0.7 && ratio <= 1.4;
  });
}

/** The analyser of a `Vision` loaded in this thread: one frame at a time (tests, one-core boxes). */
export function inThreadAnalyser(vision: Vision): FaceAnalyser {
  let chipsDescribed = 0;
  return {
    type: 'in-thread',
    slots: 1,
    get chipsDescribed() {
      return chipsDescribed;
    },
    analyse: async (rgb, width, height, opts, skip) => {
      const frame = await analyseWith(vision, rgb, width, height, opts, skip);
      chipsDescribed += frame.chipsDescribed;
      return frame.faces;
    },
    close: async () => {},
  };
}
