/**
 * Calibrates the match threshold per face-size band on the degraded set
 * (models/test/degraded-set.ts: faces shrunk to 30, 40, 60 px, JPEG q60, against clean
 * enrolment photos) and records TAR at FAR <= 1 % per band in models/manifest.json
 * (`match.bands`). Run: npx tsx models/bench/calibrate-bands.ts
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { FLIP_AVERAGE_BELOW_PX, loadVision } from '../src/index.ts';
import { MANIFEST_PATH } from '../src/paths.ts';
import { BANDS, bandPairs, degrade, JPEG_QUALITY, sourceOfFace, tarAtFar } from '../test/degraded-set.ts';
import { labelledFaces } from '../test/identity-set.ts';

const vision = await loadVision();
const { faces } = await labelledFaces(vision);
const fixed = readManifest().match.threshold;
const bands = [];
for (const px of BANDS) {
  const degraded = [];
  for (const f of faces) degraded.push(await degrade(vision, f, sourceOfFace(f), px));
  const s = bandPairs(px, faces, degraded);
  const at = tarAtFar(s);
  const atFixed = s.same.filter((d) => d <= fixed).length / s.same.length;
  const faAtFixed = s.different.filter((d) => d <= fixed).length / s.different.length;
  bands.push({
    facePx: px,
    probes: s.probes,
    missedByDetector: s.missed,
    samePairs: s.same.length,
    differentPairs: s.different.length,
    thresholdAtFar1: at.threshold,
    tarAtFar1: +at.tar.toFixed(4),
    farAtThreshold: +at.far.toFixed(4),
    tarAtFixedThreshold: +atFixed.toFixed(4),
    farAtFixedThreshold: +faAtFixed.toFixed(4),
  });
  console.error(`[calibrate-bands] ${px} px: ${JSON.stringify(bands.at(-1))}`);
}
await vision.close();

function readManifest() {
  return JSON.parse(readFileSync(MANIFEST_PATH, 'utf8'));
}
const manifest = readManifest();
manifest.match.bands = {
  $comment: [
    'TAR at FAR <= 1 % per face-size band on the degraded set (models/test/degraded-set.ts): every identity-set',
    `face shrunk so the face is N px wide, JPEG q${JPEG_QUALITY}, re-detected, against the clean photos of A as`,
    'gallery. Threshold: the largest on a 0.005 grid with FAR <= 1 %. Written by models/bench/calibrate-bands.ts.',
    'Negatives are few (one man against women of face-api demo photos): FAR 1 % is ~5 pairs, so the figures are',
    'coarse; at 30 px the detector misses faces, and TAR counts only the faces it found.',
    'In use: the edge matcher judges a track by thresholdForFace (models/src/band-thresholds.ts) of its faces',
    "width, interpolated between bands and never under match.threshold, unless the box's config fixes one.",
  ].join(' '),
  jpegQuality: JPEG_QUALITY,
  mirrorAverageBelowPx: FLIP_AVERAGE_BELOW_PX,
  mirrorAverage: [
    'Probes narrower than mirrorAverageBelowPx are described as the mean of the chip and its mirror, as the edge',
    'analyser does (models/src/flip-average.ts). Measured on this set before it was switched on (2026-11-30):',
    'TAR at FAR <= 1 % 100 / 89.2 / 94.7 % at 30 / 40 / 60 px with one descriptor per face; mirror-averaged',
    '100 / 93.8 / 93.3 %, so only faces under 50 px get it.',
  ].join(' '),
  bands,
};
writeFileSync(MANIFEST_PATH, `${JSON.stringify(manifest, null, 2)}\n`);
console.log(JSON.stringify(manifest.match.bands, null, 2));
