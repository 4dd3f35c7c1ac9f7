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
  /** `null` for a face on a track already judged (see `known` of {@link FaceAnalyser.analyse}): not described. */
  descriptor: Float32Array | null;
  /** {@link faceQuality} score in [0, 1]: weights the face in its track and picks the evidence crop. */
  quality: number;
}

/**
 * Detect → align → describe on one frame. Swappable: in this thread ({@link inThreadAnalyser},
 * one frame at a time) or a pool of worker threads ({@link InferencePool}, `slots` at a time).
 */
export interface FaceAnalyser {
  readonly type: 'in-thread' | 'pool';
  /** How many frames it analyses at once; the scheduler keeps at most this many in flight. */
  readonly slots: number;
  /**
   * `known`: last boxes of tracks already judged; faces found on them are detected (so tracking
   * goes on) but not described, as their descriptors could not change the judgement.
   * `rgb` may be read until the promise settles: the caller must not reuse it before.
   */
  analyse(
    rgb: Uint8Array,
    width: number,
    height: number,
    opts: DetectOptions,
    known?: readonly Box[],
  ): Promise<AnalysedFace[]>;
  close(): Promise<void>;
}

/** Every face of a frame described in one batched inference (the shared pipeline of both types). */
export async function analyseWith(
  vision: Vision,
  rgb: Uint8Array,
  width: number,
  height: number,
  opts: DetectOptions,
  known: readonly Box[] = [],
): Promise<AnalysedFace[]> {
  const all = await vision.detectFaces(rgb, width, height, opts);
  if (all.length === 0) return [];
  // Faces on judged tracks: box only, no alignment nor inference (issue 15: judge tracks, not frames).
  const skipped = all.filter((f) => onKnownTrack(f.box, known));
  const faces = all.filter((f) => !skipped.includes(f));
  const chips = faces.map((f) => vision.alignFace(rgb, width, height, f));
  // Small faces: chip and mirror averaged (what the band thresholds were calibrated on).
  const widths = faces.map((f) => f.box.w);
  const descriptors =
    faces.length > 0 ? await describeForMatching((c) => vision.describeFaces(c), chips, widths, vision.chipSize) : [];
  return [
    ...faces.map((f, i) => ({
      ...f,
      descriptor: descriptors[i]!,
      quality: faceQuality(f, chips[i]!, vision.chipSize).score,
    })),
    ...skipped.map((f) => ({ ...f, descriptor: null, quality: 0 })),
  ];
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
  return {
    type: 'in-thread',
    slots: 1,
    analyse: (rgb, width, height, opts, known) => analyseWith(vision, rgb, width, height, opts, known),
    close: async () => {},
  };
}
