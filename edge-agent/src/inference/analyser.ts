import {
  type DetectOptions,
  describeForMatching,
  type FaceDetection,
  faceQuality,
  type Vision,
} from '@shopwatch/models';

/** A face found in a frame with its 128-d descriptor. Lives in memory only. */
export interface AnalysedFace extends FaceDetection {
  descriptor: Float32Array;
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
  analyse(rgb: Uint8Array, width: number, height: number, opts: DetectOptions): Promise<AnalysedFace[]>;
  close(): Promise<void>;
}

/** Every face of a frame described in one batched inference (the shared pipeline of both types). */
export async function analyseWith(
  vision: Vision,
  rgb: Uint8Array,
  width: number,
  height: number,
  opts: DetectOptions,
): Promise<AnalysedFace[]> {
  const faces = await vision.detectFaces(rgb, width, height, opts);
  if (faces.length === 0) return [];
  const chips = faces.map((f) => vision.alignFace(rgb, width, height, f));
  // Small faces: chip and mirror averaged (what the band thresholds were calibrated on).
  const widths = faces.map((f) => f.box.w);
  const descriptors = await describeForMatching((c) => vision.describeFaces(c), chips, widths, vision.chipSize);
  return faces.map((f, i) => ({
    ...f,
    descriptor: descriptors[i]!,
    quality: faceQuality(f, chips[i]!, vision.chipSize).score,
  }));
}

/** The analyser of a `Vision` loaded in this thread: one frame at a time (tests, one-core boxes). */
export function inThreadAnalyser(vision: Vision): FaceAnalyser {
  return {
    type: 'in-thread',
    slots: 1,
    analyse: (rgb, width, height, opts) => analyseWith(vision, rgb, width, height, opts),
    close: async () => {},
  };
}
