import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadVision, type Vision } from '../src/index.ts';
import { groupPhotos, personA } from './fixtures.ts';
import { faceInRegion, image } from './identity-set.ts';

const here = dirname(fileURLToPath(import.meta.url));

/**
 * Runs @vladmandic/face-api's FaceRecognitionNet on tfjs-backend-cpu (pure JS) in a child
 * process; see reference/faceapi-reference.mjs for why it needs module hooks.
 */
function referenceDescriptors(chips: Uint8Array[]): { backend: string; descriptors: number[][] } {
  const dir = mkdtempSync(join(tmpdir(), 'shopwatch-parity-'));
  try {
    const input = new Float32Array(chips.length * 150 * 150 * 3);
    chips.forEach((c, i) => {
      input.set(c, i * c.length);
    });
    const file = join(dir, 'chips.f32');
    writeFileSync(file, Buffer.from(input.buffer));
    const out = execFileSync(
      process.execPath,
      [
        '--import',
        join(here, 'reference', 'register.mjs'),
        join(here, 'reference', 'faceapi-reference.mjs'),
        file,
        String(chips.length),
      ],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
        maxBuffer: 1 << 24,
      },
    );
    return JSON.parse(out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('ONNX face descriptor', () => {
  let vision: Vision;
  const chips: Uint8Array[] = [];
  beforeAll(async () => {
    vision = await loadVision();
    for (const r of personA.slice(0, 4)) {
      const found = await faceInRegion(vision, r);
      if (found) chips.push(found.chip);
    }
    for (const g of groupPhotos.slice(0, 2)) {
      const img = await image(g.path);
      for (const face of (await vision.detectFaces(img.rgb, img.width, img.height)).slice(0, 2)) {
        chips.push(vision.alignFace(img.rgb, img.width, img.height, face));
      }
    }
  });
  afterAll(() => vision?.close());

  it('matches face-api on tfjs-backend-cpu within 1e-3 on real aligned face crops', async () => {
    expect(chips.length).toBeGreaterThanOrEqual(6);
    const ref = referenceDescriptors(chips);
    expect(ref.backend).toBe('cpu');
    let maxDiff = 0;
    for (const [i, chip] of chips.entries()) {
      const ours = await vision.describeFace(chip);
      expect(ours).toHaveLength(128);
      for (let j = 0; j < 128; j += 1) maxDiff = Math.max(maxDiff, Math.abs(ours[j] - ref.descriptors[i][j]));
    }
    console.log(`parity: ${chips.length} crops, max |onnx - face-api| = ${maxDiff.toExponential(2)}`);
    expect(maxDiff).toBeLessThanOrEqual(1e-3);
  });

  it('gives the same descriptors batched as one by one', async () => {
    const batched = await vision.describeFaces(chips.slice(0, 3));
    for (const [i, chip] of chips.slice(0, 3).entries()) {
      const single = await vision.describeFace(chip);
      for (let j = 0; j < 128; j += 1) expect(Math.abs(batched[i][j] - single[j])).toBeLessThan(1e-4);
    }
  });
});
