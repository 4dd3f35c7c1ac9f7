/**
 * The degraded evaluation set (issue 15): every labelled face of the identity set re-made as a
 * CCTV camera would see it — the region around the face shrunk so the face is 30, 40 or 60 px
 * wide, then JPEG-compressed at quality 60 — and described again. Gallery side stays clean (an
 * enrolment photo); probes are degraded. Shared by degraded.test.ts and
 * models/bench/calibrate-bands.ts so both see exactly the same pairs.
 */
import sharp from 'sharp';
import { decodeImage, describeForMatching, distance, faceQuality, type Vision } from '../src/index.ts';
import { groupPhotos, othersInRegions, personA } from './fixtures.ts';
import { image, type LabelledFace } from './identity-set.ts';

export const BANDS = [30, 40, 60] as const;
export const JPEG_QUALITY = 60;

export interface DegradedFace {
  person: string;
  note: string;
  descriptor: Float32Array;
  quality: number;
  /** Face box width found in the degraded image. */
  width: number;
}

/** One face shrunk to `px` wide and JPEG'd, re-detected and described (undefined if not found). */
export async function degrade(
  vision: Vision,
  f: LabelledFace,
  path: string,
  px: number,
): Promise<DegradedFace | undefined> {
  const img = await image(path);
  const b = f.face.box;
  // The face with a margin of one face width each side, as a motion region around a head would hold it.
  const left = Math.max(0, Math.floor(b.x - b.w));
  const top = Math.max(0, Math.floor(b.y - b.h));
  const width = Math.min(img.width - left, Math.ceil(b.w * 3));
  const height = Math.min(img.height - top, Math.ceil(b.h * 3));
  const k = px / b.w;
  const jpeg = await sharp(img.rgb, { raw: { width: img.width, height: img.height, channels: 3 } })
    .extract({ left, top, width, height })
    .resize(Math.max(8, Math.round(width * k)), Math.max(8, Math.round(height * k)))
    .jpeg({ quality: JPEG_QUALITY })
    .toBuffer();
  const small = await decodeImage(jpeg);
  const [face] = await vision.detectFaces(small.rgb, small.width, small.height, { tiles: false });
  if (!face) return undefined;
  const chip = vision.alignFace(small.rgb, small.width, small.height, face);
  // Described as the edge analyser does (mirror-averaged when small), so calibration matches use.
  const describe = (c: Uint8Array[]) => vision.describeFaces(c);
  const [descriptor] = await describeForMatching(describe, [chip], [face.box.w], vision.chipSize);
  return {
    person: f.person,
    note: f.note,
    descriptor: descriptor!,
    quality: faceQuality(face, chip, vision.chipSize).score,
    width: face.box.w,
  };
}

export interface BandStats {
  px: number;
  probes: number;
  missed: number;
  same: number[];
  different: number[];
  /** Face width of the probe of each pair in `same` / `different` (as detected in the degraded image). */
  sameFacePx: number[];
  differentFacePx: number[];
}

/** Clean A (gallery) against degraded A of other photos (same) and degraded others (different). */
export function bandPairs(px: number, clean: LabelledFace[], degraded: (DegradedFace | undefined)[]): BandStats {
  const same: number[] = [];
  const different: number[] = [];
  const sameFacePx: number[] = [];
  const differentFacePx: number[] = [];
  const found = degraded.filter((d): d is DegradedFace => d !== undefined);
  const galleryA = clean.map((c, i) => ({ c, i })).filter(({ c }) => c.person === 'A');
  degraded.forEach((d, j) => {
    if (!d) return;
    for (const { c, i } of galleryA) {
      if (i === j) continue; // never a photo against its own degraded copy
      (d.person === 'A' ? same : different).push(distance(c.descriptor, d.descriptor));
      (d.person === 'A' ? sameFacePx : differentFacePx).push(d.width);
    }
  });
  const missed = degraded.length - found.length;
  return { px, probes: found.length, missed, same, different, sameFacePx, differentFacePx };
}

/** The largest threshold on a 0.005 grid whose false-accept rate is at most `far`, and the TAR there. */
export function tarAtFar(s: BandStats, far = 0.01): { threshold: number; tar: number; far: number } {
  let best = { threshold: 0, tar: 0, far: 0 };
  for (let t = 0.3; t <= 0.8 + 1e-9; t += 0.005) {
    const fa = s.different.filter((d) => d <= t).length / s.different.length;
    if (fa > far) break;
    const tar = s.same.filter((d) => d <= t).length / s.same.length;
    best = { threshold: Math.round(t * 1000) / 1000, tar, far: fa };
  }
  return best;
}

/** Where each face of the identity set comes from (labelledFaces keeps regions, then group photos). */
export const sourceOfFace = (f: LabelledFace) => sourceOf(f, [...personA, ...othersInRegions], groupPhotos);

export function sourceOf(
  f: LabelledFace,
  regions: { path: string; note?: string; person: string }[],
  groups: { path: string }[],
): string {
  const r = regions.find((x) => (x.note ?? x.person) === f.note);
  if (r) return r.path;
  const m = /^group photo (\d+)/.exec(f.note);
  if (!m) throw new Error(`no source for ${f.note}`);
  return groups[Number(m[1]) - 1]!.path;
}
