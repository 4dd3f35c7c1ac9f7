import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildModels, sha256 } from '../src/build/build-models.ts';
import { loadVision } from '../src/index.ts';
import { convertFaceRecognition } from '../src/build/convert-facerec.ts';
import { readManifest } from '../src/manifest.ts';
import { packageDir } from '../src/paths.ts';

describe('npm run models', () => {
  const dir = mkdtempSync(join(tmpdir(), 'shopwatch-models-'));
  const manifest = readManifest();
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('builds both models from their pinned packages and reproduces the manifest hashes', () => {
    const lines: string[] = [];
    const results = buildModels({ outDir: dir, log: (l) => lines.push(l) });
    expect(results.map((r) => r.action)).toEqual(['built', 'built']);
    for (const r of results) {
      expect(sha256(readFileSync(r.path))).toBe(manifest.models[r.model].sha256);
    }
    // progress per model
    expect(lines.filter((l) => l.includes('blazeface')).length).toBeGreaterThan(0);
    expect(lines.filter((l) => l.includes('facerec')).length).toBeGreaterThan(0);
  });

  it('does nothing when the files are already right', () => {
    const results = buildModels({ outDir: dir, log: () => {} });
    expect(results.map((r) => r.action)).toEqual(['up to date', 'up to date']);
  });

  it('detects a corrupted file and rebuilds it', () => {
    const path = join(dir, manifest.models.facerec.file);
    const bytes = readFileSync(path);
    bytes[bytes.length >> 1] ^= 0xff;
    writeFileSync(path, bytes);
    const lines: string[] = [];
    const results = buildModels({ outDir: dir, log: (l) => lines.push(l) });
    expect(results.find((r) => r.model === 'facerec')?.action).toBe('rebuilt');
    expect(results.find((r) => r.model === 'blazeface')?.action).toBe('up to date');
    expect(lines.some((l) => l.includes('rebuilding'))).toBe(true);
    expect(sha256(readFileSync(path))).toBe(manifest.models.facerec.sha256);
  });

  it('refuses a build whose hash differs from the manifest', () => {
    const wrong = readManifest();
    wrong.models.blazeface.sha256 = '0'.repeat(64);
    const other = mkdtempSync(join(tmpdir(), 'shopwatch-models-'));
    expect(() => buildModels({ outDir: other, manifest: wrong, log: () => {} })).toThrow(/does not match/);
    rmSync(other, { recursive: true, force: true });
  });

  it('converts the descriptor deterministically', () => {
    const src = join(packageDir('@vladmandic/face-api'), manifest.models.facerec.source.files[0]);
    const a = convertFaceRecognition(src, manifest.models.facerec.source.version);
    const b = convertFaceRecognition(src, manifest.models.facerec.source.version);
    expect(sha256(a)).toBe(sha256(b));
    expect(sha256(a)).toBe(manifest.models.facerec.sha256);
  });

  it('builds missing models when loading the vision pipeline, or refuses with build: false', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'shopwatch-models-'));
    await expect(loadVision({ modelDir: empty, build: false })).rejects.toThrow(/npm run models/);
    const vision = await loadVision({ modelDir: empty });
    expect(sha256(readFileSync(join(empty, manifest.models.blazeface.file)))).toBe(manifest.models.blazeface.sha256);
    await vision.close();
    rmSync(empty, { recursive: true, force: true });
  });
});
