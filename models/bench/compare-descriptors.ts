/**
 * Issue 15: a second descriptor model beside dlib on the degraded set. Human's HSE FaceRes
 * (@vladmandic/human, `models/faceres.json`, a TensorFlow.js graph model: 224x224 RGB in 0..255,
 * a 1024-d pooled descriptor beside age and gender heads) is run with tfjs-converter on the CPU
 * backend, on the same faces, sizes and JPEG quality as models/test/degraded-set.ts, and compared
 * with dlib by TAR at FAR <= 1 % (exact threshold between observed distances).
 *
 * Run: npx tsx models/bench/compare-descriptors.ts   (prints JSON; ~2 s of CPU per faceres inference)
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { loadGraphModel } from '@tensorflow/tfjs-converter';
import sharp from 'sharp';
import { decodeImage, describeForMatching, distance, type FaceDetection, loadVision } from '../src/index.ts';
import { BANDS, JPEG_QUALITY, sourceOfFace } from '../test/degraded-set.ts';
import { image, labelledFaces } from '../test/identity-set.ts';

const require = createRequire(import.meta.url);
// Its `exports` hide package.json: go up from the main file (dist/).
const humanModels = join(dirname(require.resolve('@vladmandic/human')), '..', 'models');
const manifest = JSON.parse(readFileSync(join(humanModels, 'faceres.json'), 'utf8'));
const weights = readFileSync(join(humanModels, 'faceres.bin'));
await tf.setBackend('cpu');
const faceres = await loadGraphModel(
  tf.io.fromMemory({
    modelTopology: manifest.modelTopology,
    weightSpecs: manifest.weightsManifest.flatMap((m: { weights: unknown[] }) => m.weights),
    weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.length),
  }),
);

/** Human's crop: the face box grown 1.4x (square, centred), resized to 224x224, 0..255. */
async function describeFaceres(img: { rgb: Uint8Array; width: number; height: number }, face: FaceDetection) {
  const side = Math.max(face.box.w, face.box.h) * 1.4;
  const cx = face.box.x + face.box.w / 2;
  const cy = face.box.y + face.box.h / 2;
  const left = Math.max(0, Math.round(cx - side / 2));
  const top = Math.max(0, Math.round(cy - side / 2));
  const w = Math.max(1, Math.min(img.width - left, Math.round(side)));
  const h = Math.max(1, Math.min(img.height - top, Math.round(side)));
  const px = await sharp(Buffer.from(img.rgb), { raw: { width: img.width, height: img.height, channels: 3 } })
    .extract({ left, top, width: w, height: h })
    .resize(224, 224, { fit: 'fill' })
    .raw()
    .toBuffer();
  const input = tf.tensor4d(Float32Array.from(px), [1, 224, 224, 3]);
  const res = faceres.execute(input, 'global_pooling/Mean');
  const out = Array.isArray(res) ? res : [res];
  const d = out.find((t) => t.shape.at(-1) === 1024);
  if (!d) throw new Error(`faceres outputs ${out.map((t) => t.shape).join(' / ')}`);
  const v = Float32Array.from(await d.data());
  tf.dispose([input, ...out]);
  const n = Math.hypot(...v) || 1;
  return v.map((x) => x / n); // compared by Euclidean distance of unit vectors
}

/** TAR at the largest threshold whose FAR is <= `far` (thresholds between observed distances). */
function tarAtFar(same: number[], different: number[], far = 0.01) {
  const diff = [...different].sort((a, b) => a - b);
  const allowed = Math.floor(far * diff.length); // false accepts allowed
  const threshold = allowed < diff.length ? diff[allowed]! - 1e-9 : Number.POSITIVE_INFINITY;
  return {
    threshold: +threshold.toFixed(4),
    tar: +(same.filter((d) => d <= threshold).length / same.length).toFixed(4),
  };
}

const vision = await loadVision();
const { faces } = await labelledFaces(vision);
// Only person A's clean photos are the gallery (as in degraded-set.ts); others need no clean descriptor.
const clean = new Map<number, Float32Array>();
for (const [i, f] of faces.entries())
  if (f.person === 'A') clean.set(i, await describeFaceres(await image(sourceOfFace(f)), f.face));
const result: Record<string, unknown>[] = [];
// tfjs's pure-JS CPU backend takes ~2 s of CPU per faceres inference: COMPARE_BANDS=40 for one band.
const bands = (process.env.COMPARE_BANDS ?? BANDS.join(',')).split(',').map(Number);
for (const px of bands) {
  const pairs = {
    dlib: { same: [] as number[], different: [] as number[] },
    faceres: { same: [] as number[], different: [] as number[] },
  };
  let probes = 0;
  for (const [j, f] of faces.entries()) {
    const img = await image(sourceOfFace(f));
    const b = f.face.box;
    const left = Math.max(0, Math.floor(b.x - b.w));
    const top = Math.max(0, Math.floor(b.y - b.h));
    const width = Math.min(img.width - left, Math.ceil(b.w * 3));
    const height = Math.min(img.height - top, Math.ceil(b.h * 3));
    const k = px / b.w;
    const jpeg = await sharp(Buffer.from(img.rgb), { raw: { width: img.width, height: img.height, channels: 3 } })
      .extract({ left, top, width, height })
      .resize(Math.max(8, Math.round(width * k)), Math.max(8, Math.round(height * k)))
      .jpeg({ quality: JPEG_QUALITY })
      .toBuffer();
    const small = await decodeImage(jpeg);
    const [face] = await vision.detectFaces(small.rgb, small.width, small.height, { tiles: false });
    if (!face) continue;
    probes++;
    const chip = vision.alignFace(small.rgb, small.width, small.height, face);
    const describe = (c: Uint8Array[]) => vision.describeFaces(c);
    const [d] = await describeForMatching(describe, [chip], [face.box.w], vision.chipSize);
    const r = await describeFaceres(small, face);
    for (const [i, c] of faces.entries()) {
      if (c.person !== 'A' || i === j) continue;
      const kind = f.person === 'A' ? 'same' : 'different';
      pairs.dlib[kind].push(distance(c.descriptor, d!));
      pairs.faceres[kind].push(distance(clean.get(i)!, r));
    }
  }
  const row = {
    facePx: px,
    probes,
    dlib: tarAtFar(pairs.dlib.same, pairs.dlib.different),
    faceres: tarAtFar(pairs.faceres.same, pairs.faceres.different),
  };
  console.error(JSON.stringify(row));
  result.push(row);
}
await vision.close();
console.log(JSON.stringify(result, null, 2));
