import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Manifest, type ModelName, readManifest } from '../manifest.ts';
import { DEFAULT_BUILD_DIR, MANIFEST_PATH, packageDir, packageVersion } from '../paths.ts';
import { convertFaceRecognition } from './convert-facerec.ts';
import { fetchBlazeFace } from './fetch-blazeface.ts';

export interface BuildOptions {
  outDir?: string;
  /** Where the npm tarball is kept between builds (default `<outDir>/cache`). */
  cacheDir?: string;
  manifest?: Manifest;
  /** Write the computed hashes into the manifest instead of checking them. */
  updateManifest?: boolean;
  log?: (line: string) => void;
}

export type BuildAction = 'up to date' | 'built' | 'rebuilt';

export interface BuildResult {
  model: ModelName;
  path: string;
  sha256: string;
  action: BuildAction;
}

export const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

const producers: Record<ModelName, (m: Manifest, cacheDir: string) => Uint8Array> = {
  blazeface: (m, cacheDir) => fetchBlazeFace(m.models.blazeface, cacheDir),
  facerec: (m) => {
    const src = m.models.facerec.source;
    const installed = packageVersion(src.npm);
    if (installed !== src.version)
      throw new Error(`${src.npm} ${installed} is installed; the manifest pins ${src.version}`);
    return convertFaceRecognition(join(packageDir(src.npm), src.files[0]), src.version);
  },
};

/**
 * Builds every model into `outDir`, skipping files whose SHA-256 already matches the manifest
 * and rebuilding any that are missing or corrupt. Throws if a fresh build does not reproduce
 * the manifest's hash (a changed source or a non-deterministic converter).
 */
export function buildModels(opts: BuildOptions = {}): BuildResult[] {
  const outDir = opts.outDir ?? DEFAULT_BUILD_DIR;
  const cacheDir = opts.cacheDir ?? join(outDir, 'cache');
  const manifest = opts.manifest ?? readManifest();
  const log = opts.log ?? ((line: string) => console.log(line));
  mkdirSync(outDir, { recursive: true });

  const results: BuildResult[] = [];
  for (const name of Object.keys(manifest.models) as ModelName[]) {
    const entry = manifest.models[name];
    const path = join(outDir, entry.file);
    const expected = entry.sha256;
    let action: BuildAction = 'built';
    if (existsSync(path)) {
      const actual = sha256(readFileSync(path));
      if (expected && actual === expected && !opts.updateManifest) {
        log(`models: ${name}: ${entry.file} up to date (sha256 ${actual.slice(0, 12)}…)`);
        results.push({ model: name, path, sha256: actual, action: 'up to date' });
        continue;
      }
      action = 'rebuilt';
      log(
        `models: ${name}: ${entry.file} has sha256 ${actual.slice(0, 12)}…, expected ` +
          `${expected?.slice(0, 12) ?? 'none'}…; rebuilding`,
      );
    }
    log(`models: ${name}: building from ${entry.source.npm}@${entry.source.version} …`);
    const started = Date.now();
    const bytes = producers[name](manifest, cacheDir);
    const actual = sha256(bytes);
    if (!opts.updateManifest && actual !== expected) {
      throw new Error(`models: ${name}: built sha256 ${actual} does not match the manifest's ${expected}`);
    }
    // Write then rename, so an interrupted build never leaves a half-written model behind.
    writeFileSync(`${path}.tmp`, bytes);
    renameSync(`${path}.tmp`, path);
    entry.sha256 = actual;
    log(
      `models: ${name}: ${action} ${entry.file} (${(bytes.length / 1e6).toFixed(1)} MB, sha256 ` +
        `${actual.slice(0, 12)}…, ${Date.now() - started} ms)`,
    );
    results.push({ model: name, path, sha256: actual, action });
  }
  return results;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const updateManifest = process.argv.includes('--update-manifest');
  const manifest = readManifest();
  try {
    buildModels({ manifest, updateManifest });
    if (updateManifest) {
      writeFileSync(MANIFEST_PATH, `${JSON.stringify(manifest, null, 2)}\n`);
      console.log(`models: wrote hashes to ${MANIFEST_PATH}`);
    }
  } catch (err) {
    console.error((err as Error).message);
    process.exitCode = 1;
  }
}
