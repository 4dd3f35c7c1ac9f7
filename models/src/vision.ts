import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chipTemplate, warpFace } from './align.ts';
import { buildModels } from './build/build-models.ts';
import { type Comparison, compareWith } from './compare.ts';
import { type Descriptor, FaceDescriber } from './describe.ts';
import { BlazeFaceDetector, type DetectOptions, type FaceDetection } from './detect.ts';
import { type Manifest, readManifest } from './manifest.ts';
import { DEFAULT_BUILD_DIR } from './paths.ts';
import { createSession, ort, type SessionOptions } from './session.ts';

export interface VisionOptions extends SessionOptions {
  /** Folder with the built ONNX files (default `models/build`). */
  modelDir?: string;
  /** Check each file's SHA-256 against the manifest before loading (default true). */
  verify?: boolean;
  /** Build missing or corrupt files instead of failing (default true). */
  build?: boolean;
}

export interface Vision {
  /** Faces in an RGB24 frame, best score first. */
  detectFaces(rgb: Uint8Array, width: number, height: number, opts?: DetectOptions): Promise<FaceDetection[]>;
  /** The 150x150 RGB24 chip the descriptor expects; writes into `out` when given. */
  alignFace(rgb: Uint8Array, width: number, height: number, face: FaceDetection, out?: Uint8Array): Uint8Array;
  /** 128-d descriptor of an aligned chip. */
  describeFace(chip: Uint8Array): Promise<Descriptor>;
  /** Descriptors of several chips in one batched inference. */
  describeFaces(chips: Uint8Array[]): Promise<Descriptor[]>;
  /** Euclidean distance and whether it is under `matchThreshold`. */
  compare(a: Descriptor, b: Descriptor): Comparison;
  readonly matchThreshold: number;
  readonly chipSize: number;
  readonly manifest: Manifest;
  close(): Promise<void>;
}

/**
 * Loads both models once and returns the face pipeline. Sessions and input buffers are
 * reused across calls; concurrent calls are queued (they share those buffers), so for
 * parallelism across cameras use one `Vision` per worker process.
 *
 * @example
 * const vision = await loadVision();
 * const { rgb, width, height } = await decodeImage('photo.jpg');
 * const [face] = await vision.detectFaces(rgb, width, height);
 * const descriptor = await vision.describeFace(vision.alignFace(rgb, width, height, face));
 */
export async function loadVision(opts: VisionOptions = {}): Promise<Vision> {
  const manifest = readManifest();
  const dir = opts.modelDir ?? DEFAULT_BUILD_DIR;
  const pathOf = (file: string) => join(dir, file);
  const ok = (name: keyof Manifest['models']) => {
    const m = manifest.models[name];
    const p = pathOf(m.file);
    if (!existsSync(p)) return false;
    return opts.verify === false || createHash('sha256').update(readFileSync(p)).digest('hex') === m.sha256;
  };
  if (!ok('blazeface') || !ok('facerec')) {
    if (opts.build === false) throw new Error(`models missing or corrupt in ${dir}: run \`npm run models\``);
    buildModels({ outDir: dir, manifest: readManifest(), log: () => {} });
  }
  const [detSession, recSession] = await Promise.all([
    createSession(pathOf(manifest.models.blazeface.file), opts),
    createSession(pathOf(manifest.models.facerec.file), opts),
  ]);
  const detector = new BlazeFaceDetector(detSession, manifest.models.blazeface, ort.Tensor);
  const describer = new FaceDescriber(recSession, manifest.models.facerec, ort.Tensor);
  const template = chipTemplate(manifest.alignment);
  const chipSize = manifest.alignment.chip.size;
  const threshold = manifest.match.threshold;

  // Calls share the sessions' input buffers: run them one at a time, in order.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = queue.then(fn, fn);
    queue = next.catch(() => undefined);
    return next;
  };

  return {
    detectFaces: (rgb, width, height, o) => serial(() => detector.detect(rgb, width, height, o)),
    alignFace: (rgb, width, height, face, out) => warpFace(rgb, width, height, face, template, chipSize, out),
    describeFace: (chip) => serial(() => describer.describe(chip)),
    describeFaces: (chips) => serial(() => describer.describeMany(chips)),
    compare: compareWith(threshold),
    matchThreshold: threshold,
    chipSize,
    manifest,
    close: async () => {
      await Promise.all([detSession.release(), recSession.release()]);
    },
  };
}
