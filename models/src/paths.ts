import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

/** The `models/` workspace folder. */
export const MODELS_DIR = resolve(here, '..');
/** Where `npm run models` writes the ONNX files (git-ignored). */
export const DEFAULT_BUILD_DIR = join(MODELS_DIR, 'build');
export const MANIFEST_PATH = join(MODELS_DIR, 'manifest.json');

/**
 * The installed folder of an npm package. Resolves the package's entry point and walks up to
 * the `package.json` that names it, because some packages (@vladmandic/human) do not export
 * `./package.json` or their asset folders.
 */
export function packageDir(name: string): string {
  let dir = dirname(require.resolve(name));
  for (;;) {
    const pj = join(dir, 'package.json');
    if (existsSync(pj) && (JSON.parse(readFileSync(pj, 'utf8')) as { name?: string }).name === name) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`cannot find the package folder of ${name}`);
    dir = up;
  }
}

/** The installed version of an npm package. */
export function packageVersion(name: string): string {
  return (JSON.parse(readFileSync(join(packageDir(name), 'package.json'), 'utf8')) as { version: string }).version;
}
