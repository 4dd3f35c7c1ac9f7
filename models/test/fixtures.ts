/**
 * Real images for tests, all from installed npm packages (resolved at run time).
 *
 * Same person — the man in @vladmandic/human's screenshots (the library's author, as far as
 * the assets tell; verified by eye, not by name):
 * - `enrolmentPhoto` (human `assets/screenshot-faceid.jpg`): one large, frontal, evenly lit
 *   webcam face (~80 px box at 800x564). Use this to ENROL a gallery subject.
 * - `sameFaceMatch` (human `assets/screenshot-facematch.jpg`): its first row of 18 face crops
 *   (~65 px faces, y ≈ 300–390) are all photos of him from different years and cameras; crop 9
 *   is painted (a tiger face) and left out. Use these as PROBES.
 * - `sameFaceDetect` (human `assets/screenshot-facedetect.jpg`): the first of the five large
 *   crops in the lower row (x ≈ 0–160, y ≈ 345–500) is him too — a good second probe.
 *
 * Other people: every face in face-api's demo photos (`groupPhotos`, all women) and the four
 * other large crops of `screenshot-facedetect.jpg`.
 *
 * `groupPhotos`: face-api `demo/sample1..6.jpg`, 1920 px wide; face counts verified by eye.
 */
import { join } from 'node:path';
import type { Rect } from '../src/resample.ts';
import { packageDir } from '../src/paths.ts';

const human = (file: string) => join(packageDir('@vladmandic/human'), 'assets', file);
const faceApi = (file: string) => join(packageDir('@vladmandic/face-api'), 'demo', file);

export const enrolmentPhoto = human('screenshot-faceid.jpg');
export const sameFaceMatch = human('screenshot-facematch.jpg');
export const sameFaceDetect = human('screenshot-facedetect.jpg');

/** Group photos with the number of faces counted by eye (all roughly frontal, 90–250 px). */
export const groupPhotos: { path: string; faces: number }[] = [
  { path: faceApi('sample1.jpg'), faces: 3 },
  { path: faceApi('sample2.jpg'), faces: 3 }, // the woman on the left is in profile
  { path: faceApi('sample3.jpg'), faces: 3 },
  { path: faceApi('sample4.jpg'), faces: 4 },
  { path: faceApi('sample5.jpg'), faces: 5 },
  { path: faceApi('sample6.jpg'), faces: 4 },
];

/** A labelled region holding exactly one face to look for. */
export interface FaceRegion {
  path: string;
  region: Rect;
  person: string;
  note?: string;
}

/** The 18 crops in the first row of screenshot-facematch.jpg are ~106.7 px apart. */
const matchRow = Array.from({ length: 18 }, (_, i) => i)
  .filter((i) => i !== 9)
  .map(
    (i): FaceRegion => ({
      path: sameFaceMatch,
      region: { x: Math.round(i * (1920 / 18)), y: 285, w: 107, h: 110 },
      person: 'A',
      note: `facematch row 1, crop ${i}`,
    }),
  );

/** Person "A" (the same man in every photo), enrolment first. */
export const personA: FaceRegion[] = [
  { path: enrolmentPhoto, region: { x: 0, y: 130, w: 170, h: 170 }, person: 'A', note: 'faceid webcam (enrolment)' },
  { path: sameFaceDetect, region: { x: 0, y: 345, w: 160, h: 160 }, person: 'A', note: 'facedetect crop 1' },
  ...matchRow,
];

/** Other people's faces in regions: the other four large crops of screenshot-facedetect.jpg. */
export const othersInRegions: FaceRegion[] = [1, 2, 3, 4].map((i) => ({
  path: sameFaceDetect,
  region: { x: 160 * i, y: 345, w: 160, h: 160 },
  person: `facedetect-${i}`,
}));

/** Debian opencv-doc's pedestrian clip: 768x576, 10 fps, 795 frames, faces of ~8–14 px. */
export const vtestAvi = '/usr/share/doc/opencv-doc/examples/data/vtest.avi';

/** Square region of `enrolmentPhoto` centred on the face, ~2.1x the face box. */
export const enrolmentFaceRegion: Rect = { x: 0, y: 130, w: 170, h: 170 };
