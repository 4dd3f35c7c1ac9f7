import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeImage, type FaceDetection, loadVision, type Vision } from '../src/index.ts';
import { pasteRegion, VTEST_H, VTEST_W, vtestFrames } from './cctv.ts';
import { enrolmentFaceRegion, enrolmentPhoto, groupPhotos, personA } from './fixtures.ts';
import { faceInRegion, image } from './identity-set.ts';

const inside = (p: { x: number; y: number }, d: FaceDetection) =>
  p.x >= d.box.x && p.x <= d.box.x + d.box.w && p.y >= d.box.y && p.y <= d.box.y + d.box.h;

describe('detectFaces', () => {
  let vision: Vision;
  beforeAll(async () => {
    vision = await loadVision();
  });
  afterAll(() => vision?.close());

  for (const [i, g] of groupPhotos.entries()) {
    it(
      `finds the ${g.faces} faces counted by eye ` + `in face-api's group photo ${i + 1}, eyes inside each box`,
      async () => {
        const img = await image(g.path);
        const faces = await vision.detectFaces(img.rgb, img.width, img.height);
        expect(faces).toHaveLength(g.faces);
        for (const f of faces) {
          expect(f.score).toBeGreaterThanOrEqual(vision.manifest.models.blazeface.postprocess.scoreThreshold);
          expect(f.keypoints).toHaveLength(6);
          expect(inside(f.keypoints[0], f)).toBe(true);
          expect(inside(f.keypoints[1], f)).toBe(true);
          // unmirrored photos: the subject's right eye (keypoint 0) is on the image's left
          expect(f.keypoints[0].x).toBeLessThan(f.keypoints[1].x);
        }
      },
    );
  }

  it('finds nothing in a blank frame', async () => {
    const grey = Buffer.alloc(VTEST_W * VTEST_H * 3, 128);
    expect(await vision.detectFaces(grey, VTEST_W, VTEST_H)).toEqual([]);
  });

  it(
    'finds a 30–60 px face pasted into CCTV frames with the default tiling, and it still matches its ' + 'enrolment',
    async () => {
      const photo = await decodeImage(enrolmentPhoto);
      const enrolled = await faceInRegion(vision, personA[0]);
      const reference = await vision.describeFace(enrolled!.chip);
      const frames = vtestFrames(100, 50, 6);
      const faceBox = 81; // the detector's box on the enrolment photo, in its pixels
      for (const [i, f] of frames.entries()) {
        const size = [30, 40, 60][i % 3];
        const side = Math.round((size * enrolmentFaceRegion.w) / faceBox);
        const x = 40 + i * 110;
        const y = 60 + (i % 3) * 150;
        const frame = await pasteRegion(Buffer.from(f), VTEST_W, photo, enrolmentFaceRegion, x, y, side);
        const faces = await vision.detectFaces(frame, VTEST_W, VTEST_H);
        const hit = faces.find((d) => d.box.x > x && d.box.x < x + side && d.box.y > y && d.box.y < y + side);
        expect(hit, `frame ${i}: ${size} px face at ${x},${y}`).toBeDefined();
        expect(hit!.box.w).toBeGreaterThan(size * 0.7);
        expect(hit!.box.w).toBeLessThan(size * 1.4);
        const d = vision.compare(reference, await vision.describeFace(vision.alignFace(frame, VTEST_W, VTEST_H, hit!)));
        expect(d.match).toBe(true);
      }
    },
  );

  it('reports how many faces tiling finds on vtest.avi frames (faces there are ~8-14 px)', async () => {
    const frames = vtestFrames(0, 20, 40);
    const count = { whole: 0, tiled: 0, native: 0, native06: 0 };
    for (const f of frames) {
      count.whole += (await vision.detectFaces(f, VTEST_W, VTEST_H, { tiles: false })).length;
      count.tiled += (await vision.detectFaces(f, VTEST_W, VTEST_H)).length;
      const native = await vision.detectFaces(f, VTEST_W, VTEST_H, {
        tiles: { size: 256, overlap: 64 },
        scoreThreshold: 0.5,
      });
      count.native += native.length;
      count.native06 += native.filter((d) => d.score >= 0.6).length;
    }
    console.log(
      `vtest.avi, ${frames.length} frames (every 20th): faces found whole-frame ${count.whole}, default ` +
        `tiles ${count.tiled}, 256 px native tiles ${count.native} at score >= 0.5, ${count.native06} at >= ` +
        `0.6`,
    );
    expect(frames).toHaveLength(40);
    // The pedestrians' faces are far below what the whole-frame pass (768 -> 256) can see.
    expect(count.whole).toBe(0);
  });

  it("finds the two walkers' ~11 px faces in vtest.avi frame 480 with native-resolution tiles", async () => {
    // Verified by eye: the man in the dark jacket left of centre and the man in black right of him.
    const [frame] = vtestFrames(480, 1, 1);
    const faces = await vision.detectFaces(frame, VTEST_W, VTEST_H, {
      tiles: { size: 256, overlap: 64 },
      scoreThreshold: 0.6,
    });
    const near = (x: number, y: number) =>
      faces.some((d) => Math.abs(d.box.x + d.box.w / 2 - x) < 10 && Math.abs(d.box.y + d.box.h / 2 - y) < 10);
    expect(near(484, 250)).toBe(true);
    expect(near(597, 259)).toBe(true);
  });
});
