import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { estimateSimilarity } from '../src/align.ts';
import { decodeImage, distance, loadVision, matchThreshold, type Vision } from '../src/index.ts';
import { enrolmentPhoto, personA } from './fixtures.ts';
import { faceInRegion } from './identity-set.ts';

describe('alignment maths', () => {
  it('recovers a known rotation, scale and shift from four points', () => {
    const src: [number, number][] = [
      [10, 10],
      [40, 12],
      [25, 30],
      [24, 45],
    ];
    const angle = 0.3;
    const k = 1.7;
    const [a, b] = [k * Math.cos(angle), k * Math.sin(angle)];
    const dst = src.map(([x, y]) => [a * x - b * y + 5, b * x + a * y - 7] as [number, number]);
    const m = estimateSimilarity(src, dst);
    expect(m.a).toBeCloseTo(a, 9);
    expect(m.b).toBeCloseTo(b, 9);
    expect(m.tx).toBeCloseTo(5, 9);
    expect(m.ty).toBeCloseTo(-7, 9);
  });
});

describe('vision API', () => {
  let vision: Vision;
  beforeAll(async () => {
    vision = await loadVision();
  });
  afterAll(() => vision?.close());

  it('decodes image files to RGB24 with sharp', async () => {
    const img = await decodeImage(enrolmentPhoto);
    expect([img.width, img.height]).toEqual([800, 564]);
    expect(img.rgb.length).toBe(800 * 564 * 3);
    const small = await decodeImage(enrolmentPhoto, { maxSide: 400 });
    expect(Math.max(small.width, small.height)).toBe(400);
    const png = await sharp({
      create: { width: 4, height: 2, channels: 4, background: { r: 10, g: 20, b: 30, alpha: 0.5 } },
    })
      .png()
      .toBuffer();
    const fromBuffer = await decodeImage(png);
    expect(fromBuffer.rgb.length).toBe(4 * 2 * 3);
  });

  it('aligns a face into a 150x150 chip with the eyes where the template puts them', async () => {
    const found = await faceInRegion(vision, personA[0]);
    expect(found).toBeDefined();
    expect(found!.chip).toHaveLength(150 * 150 * 3);
    // Re-detect on the chip centred in a larger grey canvas (BlazeFace is imprecise on faces
    // that fill its whole input): the eyes land near the template's chip positions.
    const canvas = Buffer.alloc(300 * 300 * 3, 128);
    for (let r = 0; r < 150; r += 1)
      Buffer.from(found!.chip.buffer, found!.chip.byteOffset + r * 450, 450).copy(canvas, ((75 + r) * 300 + 75) * 3);
    const [again] = await vision.detectFaces(canvas, 300, 300, { tiles: false });
    expect(again).toBeDefined();
    const sq = vision.manifest.alignment.chip.templateSquare;
    const k = 150 / sq.size;
    const t = vision.manifest.alignment.template112;
    for (const [i, p] of [t.rightEye, t.leftEye].entries()) {
      expect(Math.abs(again.keypoints[i].x - 75 - (p[0] - sq.x) * k)).toBeLessThan(6);
      expect(Math.abs(again.keypoints[i].y - 75 - (p[1] - sq.y) * k)).toBeLessThan(6);
    }
  });

  it('compares descriptors by Euclidean distance against the manifest threshold', async () => {
    const a = await vision.describeFace((await faceInRegion(vision, personA[0]))!.chip);
    const b = await vision.describeFace((await faceInRegion(vision, personA[1]))!.chip);
    expect(a).toBeInstanceOf(Float32Array);
    expect(a).toHaveLength(128);
    const c = vision.compare(a, b);
    expect(c.distance).toBeCloseTo(distance(a, b), 9);
    expect(c.match).toBe(c.distance < matchThreshold);
    expect(vision.compare(a, a)).toEqual({ distance: 0, match: true });
  });

  it('serves concurrent calls correctly (they are queued)', async () => {
    const img = await decodeImage(enrolmentPhoto);
    const [one, two] = await Promise.all([
      vision.detectFaces(img.rgb, img.width, img.height),
      vision.detectFaces(img.rgb, img.width, img.height, { tiles: false }),
    ]);
    expect(one).toHaveLength(1);
    expect(two).toHaveLength(1);
  });

  it('rejects a buffer too small for the stated size', async () => {
    await expect(vision.detectFaces(new Uint8Array(10), 768, 576)).rejects.toThrow(/RGB24/);
  });
});
