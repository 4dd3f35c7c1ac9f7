import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadVision, matchThreshold, readManifest, type Vision } from '../src/index.ts';
import { personA } from './fixtures.ts';
import { errorsAt, type LabelledFace, labelledFaces, type PairStats, pairStats } from './identity-set.ts';

describe('face identity', () => {
  let vision: Vision;
  let faces: LabelledFace[];
  let missed: string[];
  let stats: PairStats;
  beforeAll(async () => {
    vision = await loadVision();
    ({ faces, missed } = await labelledFaces(vision));
    stats = pairStats(faces);
  });
  afterAll(() => vision?.close());

  it('finds every labelled face of person A', () => {
    expect(missed).toEqual([]);
    expect(faces.filter((f) => f.person === 'A')).toHaveLength(personA.length);
  });

  it('puts same-person pairs closer than different-person pairs (AUC >= 0.99)', () => {
    const others = faces.filter((f) => f.person !== 'A').length;
    console.log(
      `identity: ${personA.length} photos of A, ${others} other faces, ${stats.same.length} same / ` +
        `${stats.different.length} different pairs, AUC ${stats.auc.toFixed(5)}`,
    );
    expect(others).toBeGreaterThanOrEqual(20);
    expect(stats.auc).toBeGreaterThanOrEqual(0.99);
  });

  it('uses the calibrated threshold from the manifest, which accepts no stranger on this set', () => {
    const m = readManifest().match;
    expect(matchThreshold).toBe(m.threshold);
    expect(vision.matchThreshold).toBe(m.threshold);
    expect(m.chosenBy).toMatch(/calibrate/);
    const e = errorsAt(stats, m.threshold);
    console.log(
      `identity: at threshold ${m.threshold}: false accepts ${(e.falseAccept * 100).toFixed(2)}%, false ` +
        `rejects ${(e.falseReject * 100).toFixed(2)}%`,
    );
    expect(e.falseAccept).toBe(0);
    expect(e.falseReject).toBeLessThan(0.05);
  });

  it('matches the enrolment photo against every probe of the same person', () => {
    const [enrolled, ...probes] = faces.filter((f) => f.person === 'A');
    const rejected = probes.filter((p) => !vision.compare(enrolled.descriptor, p.descriptor).match).map((p) => p.note);
    expect(rejected).toEqual([]);
  });
});
