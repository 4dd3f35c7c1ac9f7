/**
 * @shopwatch/models — face detection (BlazeFace), alignment and 128-d descriptors (dlib ResNet)
 * on onnxruntime, for the hub (enrolment) and the edge agent (live frames).
 */
import { readManifest } from './manifest.ts';

export { loadVision, type Vision, type VisionOptions } from './vision.ts';
export type { FaceDetection, DetectOptions } from './detect.ts';
export { defaultTiles } from './detect.ts';
export { faceQuality, laplacianVariance, poseScore, type FaceQuality } from './quality.ts';
export { tiles, type TileOptions } from './tiling.ts';
export type { Rect } from './resample.ts';
export type { Descriptor } from './describe.ts';
export { distance, type Comparison } from './compare.ts';
export { decodeImage, type RgbImage } from './image.ts';
export { buildModels, type BuildResult } from './build/build-models.ts';
export { readManifest, type Manifest } from './manifest.ts';
export { bandThresholds, thresholdForFace, type BandThreshold } from './band-thresholds.ts';
export { describeForMatching, FLIP_AVERAGE_BELOW_PX, mirrorChip } from './flip-average.ts';

/** Descriptor distance below which two faces are taken as the same person (from the manifest). */
export const matchThreshold: number = readManifest().match.threshold;
