/**
 * Builds the identity evaluation set from the fixtures: descriptors of person A's faces and of
 * other people's faces, plus AUC and threshold statistics. Shared by identity.test.ts and the
 * calibration script (models/bench/calibrate.ts), so both see exactly the same pairs.
 */
import type { Descriptor, FaceDetection, Vision } from '../src/index.ts';
import { decodeImage, distance, type RgbImage } from '../src/index.ts';
import { type FaceRegion, groupPhotos, othersInRegions, personA } from './fixtures.ts';

export interface LabelledFace {
  person: string;
  note: string;
  face: FaceDetection;
  chip: Uint8Array;
  descriptor: Descriptor;
}

const cache = new Map<string, Promise<RgbImage>>();
export const image = (path: string): Promise<RgbImage> => {
  if (!cache.has(path)) cache.set(path, decodeImage(path));
  return cache.get(path)!;
};

/** The best face inside one region, or undefined if the detector finds none there. */
export async function faceInRegion(
  vision: Vision,
  r: FaceRegion,
): Promise<{ face: FaceDetection; chip: Uint8Array } | undefined> {
  const img = await image(r.path);
  const [face] = await vision.detectFaces(img.rgb, img.width, img.height, {
    wholeFrame: false,
    tiles: false,
    regions: [r.region],
  });
  if (!face) return undefined;
  return { face, chip: vision.alignFace(img.rgb, img.width, img.height, face) };
}

export async function labelledFaces(vision: Vision): Promise<{ faces: LabelledFace[]; missed: string[] }> {
  const faces: LabelledFace[] = [];
  const missed: string[] = [];
  for (const r of [...personA, ...othersInRegions]) {
    const found = await faceInRegion(vision, r);
    if (!found) {
      missed.push(r.note ?? r.person);
      continue;
    }
    faces.push({
      person: r.person,
      note: r.note ?? r.person,
      ...found,
      descriptor: await vision.describeFace(found.chip),
    });
  }
  for (const [i, g] of groupPhotos.entries()) {
    const img = await image(g.path);
    const dets = await vision.detectFaces(img.rgb, img.width, img.height, { tiles: true });
    for (const [j, face] of dets.entries()) {
      const chip = vision.alignFace(img.rgb, img.width, img.height, face);
      faces.push({
        person: `group${i + 1}-${j}`,
        note: `group photo ${i + 1} face ${j}`,
        face,
        chip,
        descriptor: await vision.describeFace(chip),
      });
    }
  }
  return { faces, missed };
}

export interface PairStats {
  same: number[];
  different: number[];
  /** Probability that a random same-person pair is closer than a random different-person pair. */
  auc: number;
}

/** Distances of all same-person pairs (person A with A) and all A-vs-other pairs. */
export function pairStats(faces: LabelledFace[]): PairStats {
  const a = faces.filter((f) => f.person === 'A');
  const others = faces.filter((f) => f.person !== 'A');
  const same: number[] = [];
  const different: number[] = [];
  for (let i = 0; i < a.length; i += 1) {
    for (let j = i + 1; j < a.length; j += 1) same.push(distance(a[i].descriptor, a[j].descriptor));
    for (const o of others) different.push(distance(a[i].descriptor, o.descriptor));
  }
  let wins = 0;
  for (const s of same) for (const d of different) wins += s < d ? 1 : s === d ? 0.5 : 0;
  return { same, different, auc: wins / (same.length * different.length) };
}

/** False accepts and false rejects on the set at a threshold. */
export function errorsAt(stats: PairStats, threshold: number): { falseReject: number; falseAccept: number } {
  return {
    falseReject: stats.same.filter((d) => d >= threshold).length / stats.same.length,
    falseAccept: stats.different.filter((d) => d < threshold).length / stats.different.length,
  };
}
