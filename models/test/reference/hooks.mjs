// Node module-resolution hooks (node:module register) that let face-api's no-bundle ESM build
// load against tfjs-core + tfjs-backend-cpu instead of the full @tensorflow/tfjs meta-package.
const redirect = {
  '@tensorflow/tfjs/dist/index.js': new URL('./tfjs-cpu.mjs', import.meta.url).href,
  '@tensorflow/tfjs-backend-webgl/dist/index.js': new URL('./empty.mjs', import.meta.url).href,
  '@tensorflow/tfjs-backend-wasm/dist/index.js': new URL('./empty.mjs', import.meta.url).href,
};

export async function resolve(specifier, context, next) {
  const target = redirect[specifier];
  if (target) return { url: target, shortCircuit: true };
  return next(specifier, context);
}
