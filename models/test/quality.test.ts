import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeImage, faceQuality, loadVision, poseScore, type Vision } from '../src/index.ts';
import { enrolmentPhoto, sameFaceMatch } from './fixtures.ts';

describe('face quality (size, sharpness, pose)', () => {
  let vision: Vision;
  beforeAll(async () => {
    vision = await loadVision();
  });
  afterAll(async () => {
    await vision?.close();
  });

  /** The photo's face at `px` wide, re-compressed as JPEG at `q`, then detected and scored. */
  async function scoreAt(path: string, px: number | null, q = 60) {
    const full = await decodeImage(path);
    const [f0] = await vision.detectFaces(full.rgb, full.width, full.height);
    const input =
      px === null
        ? await sharp(path).png().toBuffer()
        : await sharp(path)
            .resize(Math.round((full.width * px) / f0!.box.w))
            .jpeg({ quality: q })
            .toBuffer();
    const img = await decodeImage(input);
    const [f] = await vision.detectFaces(img.rgb, img.width, img.height, { tiles: false });
    return faceQuality(f!, vision.alignFace(img.rgb, img.width, img.height, f!), vision.chipSize);
  }

  it('ranks the same face clean > 60 px > 40 px > 30 px (JPEG q60), in size and in sharpness', async () => {
    for (const photo of [enrolmentPhoto, sameFaceMatch]) {
      const q = [];
      for (const px of [null, 60, 40, 30]) q.push(await scoreAt(photo, px));
      for (let i = 1; i < q.length; i++) {
        expect(q[i]!.score).toBeLessThan(q[i - 1]!.score);
        expect(q[i]!.sharpness).toBeLessThan(q[i - 1]!.sharpness);
      }
      expect(q[0]!.pose).toBeGreaterThan(0.8); // both photos face the camera
    }
  }, 60_000);

  it('scores a turned head low from its keypoints', () => {
    const eyes = [
      { x: 40, y: 50 },
      { x: 80, y: 50 },
    ];
    expect(poseScore([...eyes, { x: 60, y: 70 }])).toBe(1);
    expect(poseScore([...eyes, { x: 75, y: 70 }])).toBeCloseTo(0.25, 5);
    expect(poseScore([...eyes, { x: 90, y: 70 }])).toBe(0);
  });
});
