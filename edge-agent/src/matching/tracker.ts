import type { Box } from '../evidence/snapshot';
import type { Frame } from '../camera/frame-reader';

export interface Hit {
  at: number;
  distance: number;
  templateVersion: number;
  frame: Frame;
  box: Box;
}

export interface Confirmed {
  cameraId: string;
  subjectId: string;
  hits: Hit[];
  best: Hit;
}

/**
 * Decides when a gallery subject really is in view: the same subject under the threshold in
 * at least K frames within T seconds on one camera. Holds only matching frames (the best few,
 * in memory); after a candidate it waits `cooldownMs` before that subject can fire again there.
 */
export class MatchTracker {
  private tracks = new Map<string, Hit[]>();
  private fired = new Map<string, number>();

  constructor(private k: number, private windowMs: number, private cooldownMs: number) {}

  add(cameraId: string, subjectId: string, hit: Hit): Confirmed | null {
    const key = `${cameraId}\u0000${subjectId}`;
    if ((this.fired.get(key) ?? -Infinity) + this.cooldownMs > hit.at) return null;
    const hits = (this.tracks.get(key) ?? []).filter((h) => h.at > hit.at - this.windowMs);
    hits.push(hit);
    if (hits.length < this.k) {
      this.tracks.set(key, hits);
      return null;
    }
    this.tracks.delete(key);
    this.fired.set(key, hit.at);
    const best = hits.reduce((a, b) => (b.distance < a.distance ? b : a));
    return { cameraId, subjectId, hits, best };
  }

  /** Forgets tracks that went quiet, so their frames leave memory. */
  prune(now: number) {
    for (const [key, hits] of this.tracks) if (hits.at(-1)!.at < now - this.windowMs) this.tracks.delete(key);
  }
}
