import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

interface WeightSpec {
  name: string;
  shape: number[];
  dtype: 'float32';
  quantization?: { dtype: 'uint8'; scale: number; min: number };
}

interface WeightGroup {
  paths: string[];
  weights: WeightSpec[];
}

export interface Weight {
  shape: number[];
  values: Float32Array;
}

/**
 * Reads a tfjs "weights_manifest.json" and its binary shards into float32 arrays.
 *
 * Dequantization follows tfjs-core's `io.decodeWeights` to the bit: `q * scale + min` computed
 * in double precision and stored as float32 — so the ONNX weights equal the ones face-api uses.
 */
export function readTfjsWeights(manifestPath: string): Map<string, Weight> {
  const groups = JSON.parse(readFileSync(manifestPath, 'utf8')) as WeightGroup[];
  const out = new Map<string, Weight>();
  for (const group of groups) {
    const shards = group.paths.map((p) => readFileSync(join(dirname(manifestPath), p)));
    const buffer = Buffer.concat(shards);
    let offset = 0;
    for (const spec of group.weights) {
      const count = spec.shape.reduce((a, b) => a * b, 1);
      const values = new Float32Array(count);
      if (spec.quantization) {
        if (spec.quantization.dtype !== 'uint8')
          throw new Error(`${spec.name}: unsupported quantization ${spec.quantization.dtype}`);
        const { scale, min } = spec.quantization;
        for (let i = 0; i < count; i += 1) values[i] = buffer[offset + i] * scale + min;
        offset += count;
      } else {
        if (spec.dtype !== 'float32') throw new Error(`${spec.name}: unsupported dtype ${spec.dtype}`);
        for (let i = 0; i < count; i += 1) values[i] = buffer.readFloatLE(offset + i * 4);
        offset += count * 4;
      }
      out.set(spec.name, { shape: spec.shape, values });
    }
    if (offset !== buffer.length) throw new Error(`${manifestPath}: ${buffer.length - offset} bytes left over`);
  }
  return out;
}
