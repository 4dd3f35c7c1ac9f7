// Reference face descriptors from @vladmandic/face-api on tfjs-backend-cpu (pure JS).
// Usage: node --import ./register.mjs faceapi-reference.mjs <in.f32> <count>
// <in.f32> holds <count> 150x150x3 RGB crops as float32 (0..255); descriptors go to stdout as JSON.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';

const faceapi = await import('@vladmandic/face-api/dist/face-api.esm-nobundle.js');
const { tf } = faceapi;
await tf.setBackend('cpu');
await tf.ready();

const require = createRequire(import.meta.url);
const manifest = require.resolve('@vladmandic/face-api/model/face_recognition_model-weights_manifest.json');
const specs = JSON.parse(readFileSync(manifest, 'utf8'));
const dir = dirname(manifest);
const weightMap = {};
for (const group of specs) {
  const data = Buffer.concat(group.paths.map((p) => readFileSync(`${dir}/${p}`)));
  Object.assign(
    weightMap,
    tf.io.decodeWeights(data.buffer.slice(data.byteOffset, data.byteOffset + data.length), group.weights),
  );
}
const net = new faceapi.FaceRecognitionNet();
net.loadFromWeightMap(weightMap);

const [file, countArg] = process.argv.slice(2);
const count = Number(countArg);
const raw = readFileSync(file);
const all = new Float32Array(raw.buffer, raw.byteOffset, raw.length / 4);
const out = [];
for (let i = 0; i < count; i += 1) {
  const crop = tf.tensor3d(all.subarray(i * 150 * 150 * 3, (i + 1) * 150 * 150 * 3), [150, 150, 3], 'float32');
  const d = await net.computeFaceDescriptor(crop);
  out.push(Array.from(d));
  crop.dispose();
}
process.stdout.write(JSON.stringify({ backend: tf.getBackend(), descriptors: out }));
