/**
 * Chooses the descriptor match threshold on the identity set (models/test/identity-set.ts)
 * and writes it, with how it was chosen, into models/manifest.json.
 *
 * Rule: the largest threshold on a 0.01 grid, not above dlib's published 0.6, at which no
 * different-person pair on the set is accepted. A false accept raises an alert about the wrong
 * person; a false reject only misses one sighting among several.
 *
 * Run: npx tsx models/bench/calibrate.ts
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { loadVision } from '../src/index.ts';
import { MANIFEST_PATH } from '../src/paths.ts';
import { errorsAt, labelledFaces, pairStats } from '../test/identity-set.ts';

const vision = await loadVision();
const { faces, missed } = await labelledFaces(vision);
await vision.close();
if (missed.length) throw new Error(`faces not found: ${missed.join(', ')}`);
const stats = pairStats(faces);
const minDifferent = Math.min(...stats.different);
let threshold = 0.6;
while (threshold > 0 && stats.different.some((d) => d < threshold))
  threshold = Math.round((threshold - 0.01) * 100) / 100;
const errors = errorsAt(stats, threshold);
const quantile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.round(p * (xs.length - 1))];

const manifest = JSON.parse(readFileSync(MANIFEST_PATH, 'utf8'));
manifest.match = {
  metric: 'euclidean',
  threshold,
  chosenBy:
    "models/bench/calibrate.ts: the largest threshold on a 0.01 grid, at most dlib's 0.6, that accepts no " +
    'different-person pair of the identity set (models/test/identity-set.ts)',
  set: {
    sameFaces: faces.filter((f) => f.person === 'A').length,
    otherFaces: faces.filter((f) => f.person !== 'A').length,
    samePairs: stats.same.length,
    differentPairs: stats.different.length,
    auc: Number(stats.auc.toFixed(5)),
    sameDistance: { median: +quantile(stats.same, 0.5).toFixed(3), max: +Math.max(...stats.same).toFixed(3) },
    differentDistance: { min: +minDifferent.toFixed(3), median: +quantile(stats.different, 0.5).toFixed(3) },
    falseRejectAtThreshold: +errors.falseReject.toFixed(4),
    falseAcceptAtThreshold: +errors.falseAccept.toFixed(4),
    caveat:
      "small set: one man against women from face-api's demo photos; an easy negative set, so treat the " +
      'margin as optimistic',
  },
};
writeFileSync(MANIFEST_PATH, `${JSON.stringify(manifest, null, 2)}\n`);
console.log(JSON.stringify(manifest.match, null, 2));
