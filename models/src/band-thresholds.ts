import { type Manifest, readManifest } from './manifest.ts';

/** One calibrated face-size band: faces `facePx` wide are matched at or under `threshold`. */
export interface BandThreshold {
  facePx: number;
  threshold: number;
}

/**
 * The per-band thresholds of the manifest (`match.bands`, written by models/bench/calibrate-bands.ts
 * on the degraded set: the largest distance with FAR <= 1 % for faces shrunk to that width), narrowest
 * first. Empty when the manifest has none.
 */
export function bandThresholds(manifest: Manifest = readManifest()): BandThreshold[] {
  const bands = (manifest.match as { bands?: { bands?: { facePx: number; thresholdAtFar1: number }[] } }).bands;
  return (bands?.bands ?? [])
    .map((b) => ({ facePx: b.facePx, threshold: b.thresholdAtFar1 }))
    .sort((a, b) => a.facePx - b.facePx);
}

/**
 * The match threshold for a face `facePx` wide (issue 15). Small faces give noisier descriptors:
 * a genuine 40-px face lies further from its clean enrolment photo than a 100-px one, so one
 * fixed threshold either rejects most small faces or accepts strangers at large ones.
 *
 * - at or under the narrowest band: that band's threshold (a narrower face is not trusted more);
 * - between two bands: linear in width between their thresholds;
 * - over the widest band: linear down to `clean` (the threshold calibrated on clean photos) at
 *   twice the widest band's width, and `clean` beyond — large faces are held to the clean-photo
 *   bar, which never accepted a different-person pair of the identity set.
 *
 * The result is never under `clean`: a band calibrated stricter than the clean threshold would
 * reject what the clean calibration accepts.
 *
 * @example
 * const at = thresholdForFace(bandThresholds(), 0.57);
 * at(40); // 0.64 with the manifest of 2026-11
 */
export function thresholdForFace(bands: readonly BandThreshold[], clean: number): (facePx: number) => number {
  if (bands.length === 0) return () => clean;
  const points = [...bands, { facePx: 2 * bands.at(-1)!.facePx, threshold: clean }];
  return (facePx: number) => {
    if (!(facePx > points[0]!.facePx)) return Math.max(clean, points[0]!.threshold);
    for (let i = 1; i < points.length; i++) {
      const a = points[i - 1]!;
      const b = points[i]!;
      if (facePx <= b.facePx) {
        const t = (facePx - a.facePx) / (b.facePx - a.facePx);
        return Math.max(clean, a.threshold + t * (b.threshold - a.threshold));
      }
    }
    return clean;
  };
}
