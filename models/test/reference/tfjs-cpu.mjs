// Stands in for "@tensorflow/tfjs" under face-api's no-bundle build: tfjs-core with the pure-JS
// CPU backend only, so the reference descriptor runs without native code or a GPU.
//
// tfjs-core's Node build leaves out the chained tensor methods (`t.div(...)`, `t.as3D(...)`)
// that the @tensorflow/tfjs meta-package registers from `dist/public/chained_ops/*.js`. Those
// files are ES modules in a CommonJS package, so Node cannot import them; we evaluate each
// one's body against the same tfjs-core exports instead.
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
/** The namespace as a plain object: kernels are looked up by name below. */
const tfExports = { ...tf };
import '@tensorflow/tfjs-backend-cpu';

export * from '@tensorflow/tfjs-core';

const require = createRequire(import.meta.url);
const dir = join(dirname(require.resolve('@tensorflow/tfjs-core')), 'public', 'chained_ops');
const skipped = [];
for (const file of readdirSync(dir).sort()) {
  if (!file.endsWith('.js') || file.includes('test') || file.startsWith('register_all')) continue;
  const src = readFileSync(join(dir, file), 'utf8');
  const names = [];
  for (const m of src.matchAll(/^import \{([^}]*)\} from '[^']*';$/gm)) {
    names.push(
      ...m[1]
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    );
  }
  const body = src.replace(/^import .*$/gm, '').replace(/^export .*$/gm, '');
  const values = names.map((n) => (n === 'getGlobalTensorClass' ? () => tf.Tensor : tfExports[n]));
  if (values.some((v) => v === undefined)) {
    skipped.push(file);
    continue;
  }
  new Function(...names, body)(...values);
}
export const chainedOpsSkipped = skipped;
