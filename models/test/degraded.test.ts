import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadVision, readManifest, type Vision } from '../src/index.ts';
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
