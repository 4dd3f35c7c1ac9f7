import type { FaceDetection } from './detect.ts';

/** How usable one detected face is for recognition, each part in [0, 1]. */
export interface FaceQuality {
  /** From the face box width: 0 at 16 px or less, 1 at 80 px or more (descriptor accuracy grows with it). */
  size: number;
  /** Variance of the Laplacian of the aligned chip's grey, scaled: blur and JPEG smear lower it. */
  sharpness: number;
  /** From the keypoints: 1 facing the camera, falling as the nose leaves the middle of the eyes. */
  pose: number;
  /** The product of the three, each floored at 0.1, so no single weak part zeroes a face outright. */
  score: number;
}

/**
 * Laplacian variance at which a 150 px chip counts as fully sharp. Measured on human's two
 * screenshots of one person: faces of 70-82 px, clean, 42-68; shrunk to 60 px + JPEG q60, 32-43;
 * 40 px, 21-23; 30 px, 13-15.
 */
const SHARP_VARIANCE = 60;

/**
 * Quality of a detected face from its box, keypoints and aligned RGB chip (`size` x `size`).
 * Used to weight a track's descriptors and to pick its best crops: a large, sharp, frontal face
 * gives a more reliable descriptor than a small, blurred or turned one.
 *
 * @example faceQuality(face, vision.alignFace(rgb, w, h, face), vision.chipSize).score // 0.62
 */
export function faceQuality(face: FaceDetection, chip: Uint8Array, size: number): FaceQuality {
  const w = face.box.w;
  const sizeScore = clamp01((w - 16) / 64);
  const sharpness = clamp01(laplacianVariance(chip, size, size) / SHARP_VARIANCE);
  const pose = poseScore(face.keypoints);
  const floor = (x: number) => 0.1 + 0.9 * x;
  return { size: sizeScore, sharpness, pose, score: floor(sizeScore) * floor(sharpness) * floor(pose) };
}

/** Variance of the 4-neighbour Laplacian over the grey (BT.601) of an RGB24 image, borders excluded. */
export function laplacianVariance(rgb: Uint8Array, width: number, height: number): number {
  const grey = new Float32Array(width * height);
  for (let i = 0; i < grey.length; i++) grey[i] = 0.299 * rgb[i * 3] + 0.587 * rgb[i * 3 + 1] + 0.114 * rgb[i * 3 + 2];
  let sum = 0;
  let sum2 = 0;
  let n = 0;
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      const i = y * width + x;
      const l = grey[i - 1] + grey[i + 1] + grey[i - width] + grey[i + width] - 4 * grey[i];
      sum += l;
      sum2 += l * l;
      n++;
    }
  }
  if (n === 0) return 0;
  const mean = sum / n;
  return sum2 / n - mean * mean;
}

/**
 * Yaw from the keypoints (right eye, left eye, nose tip, ...): the nose's horizontal offset from
 * the eyes' midpoint over the eye distance is ~0 facing the camera and ~0.5 in near-profile.
 */
export function poseScore(keypoints: { x: number; y: number }[]): number {
  const [re, le, nose] = keypoints;
  if (!re || !le || !nose) return 0;
  const eyes = Math.hypot(le.x - re.x, le.y - re.y);
  if (eyes < 1e-6) return 0;
  const offset = Math.abs(nose.x - (re.x + le.x) / 2) / eyes;
  return clamp01(1 - 2 * offset);
}

const clamp01 = (x: number) => Math.max(0, Math.min(1, x));
