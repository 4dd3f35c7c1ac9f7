import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bandThresholds, loadVision, readManifest, thresholdForFace, type Vision } from '../src/index.ts';
import { BANDS, type BandStats, bandPairs, degrade, sourceOfFace, tarAtFar } from './degraded-set.ts';
import { labelledFaces } from './identity-set.ts';

interface RecordedBand {
  facePx: number;
  thresholdAtFar1: number;
  tarAtFar1: number;
  tarAtFixedThreshold: number;
  missedByDetector: number;
}

describe('degraded evaluation set: faces at CCTV resolution (issue 15)', () => {
  let vision: Vision;
  const stats = new Map<number, BandStats>();
  beforeAll(async () => {
    vision = await loadVision();
    const { faces } = await labelledFaces(vision);
    for (const px of BANDS) {
      const degraded = [];
      for (const f of faces) degraded.push(await degrade(vision, f, sourceOfFace(f), px));
      stats.set(px, bandPairs(px, faces, degraded));
    }
  }, 180_000);
  afterAll(() => vision?.close());

  it('records per band, in the manifest, the threshold and TAR at FAR 1 % that the set gives today', () => {
    const recorded = (readManifest().match as { bands?: { bands: RecordedBand[] } }).bands?.bands ?? [];
    expect(recorded.map((b) => b.facePx)).toEqual([...BANDS]);
    for (const b of recorded) {
      const s = stats.get(b.facePx)!;
      const now = tarAtFar(s);
      console.log(
        `${b.facePx} px: ${s.probes} probes (${s.missed} missed), threshold ${now.threshold}, ` +
          `TAR ${(now.tar * 100).toFixed(1)} % at FAR ${(now.far * 100).toFixed(2)} %`,
      );
      expect(now.far).toBeLessThanOrEqual(0.01);
      expect(now.threshold).toBeCloseTo(b.thresholdAtFar1, 2);
      expect(Math.abs(now.tar - b.tarAtFar1)).toBeLessThan(0.02);
      expect(s.missed).toBe(b.missedByDetector);
    }
  });

  it('with per-band thresholds switched on, accepts more genuine small faces and stays at FAR <= 1 % per band', () => {
    const fixed = readManifest().match.threshold;
    const perBand = thresholdForFace(bandThresholds(), fixed); // what the edge matcher uses by default
    const rate = (d: number[], px: number[], at: (px: number) => number) =>
      d.filter((x, i) => x <= at(px[i]!)).length / d.length;
    const rows = BANDS.map((px) => {
      const s = stats.get(px)!;
      return {
        px,
        recallBefore: rate(s.same, s.sameFacePx, () => fixed),
        recallAfter: rate(s.same, s.sameFacePx, perBand),
        farBefore: rate(s.different, s.differentFacePx, () => fixed),
        farAfter: rate(s.different, s.differentFacePx, perBand),
      };
    });
    const pc = (x: number) => `${(x * 100).toFixed(1)} %`;
    for (const r of rows)
      console.log(
        `${r.px} px: recall ${pc(r.recallBefore)} -> ${pc(r.recallAfter)}, ` +
          `false accepts ${pc(r.farBefore)} -> ${pc(r.farAfter)}`,
      );
    for (const r of rows) {
      expect(r.farAfter).toBeLessThanOrEqual(0.01);
      expect(r.recallAfter).toBeGreaterThanOrEqual(r.recallBefore);
    }
    // Where the fixed threshold fails small faces, the bands win clearly.
    expect(rows[0]!.recallAfter - rows[0]!.recallBefore).toBeGreaterThan(0.1); // 30 px
    expect(rows[1]!.recallAfter - rows[1]!.recallBefore).toBeGreaterThan(0.04); // 40 px
    expect(perBand(200)).toBe(fixed); // a large face is held to the clean-photo threshold
    // Issue 15's target on 40-px faces (89.2 % with one descriptor per face, before mirror averaging).
    expect(tarAtFar(stats.get(40)!).tar).toBeGreaterThanOrEqual(0.9);
  });

  it('loses faces and accuracy as they shrink: 60 px is found whole and matched best at the fixed threshold', () => {
    const fixed = readManifest().match.threshold;
    const tarFixed = (px: number) => {
      const s = stats.get(px)!;
      return s.same.filter((d) => d <= fixed).length / s.same.length;
    };
    expect(stats.get(60)!.missed).toBe(0);
    expect(stats.get(30)!.missed).toBeGreaterThanOrEqual(stats.get(40)!.missed);
    expect(tarFixed(60)).toBeGreaterThan(tarFixed(40));
    expect(tarFixed(40)).toBeGreaterThan(tarFixed(30));
  });
});
