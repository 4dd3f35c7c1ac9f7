import type { Frame } from '../camera/frame-reader';
import type { Box } from '@shopwatch/protocols';
import { continuation } from './association';

export interface Hit {
  at: number;
  distance: number;
  templateVersion: number;
  frame: Frame;
  box: Box;
  /** Face quality in [0, 1] (size, sharpness, pose), when known. */
  quality?: number;
}

export interface Confirmed {
  cameraId: string;
  subjectId: string;
  /** The track (one person's face followed across frames) that matched. */
  trackId: number;
  hits: Hit[];
  /** The closest match (its distance is the candidate's). */
  best: Hit;
  /** The hit of the best face quality: its frame and box become the evidence crop. */
  bestCrop: Hit;
}

/** A face followed across frames of one camera by the overlap of its boxes. */
interface Track {
  id: number;
  cameraId: string;
  box: Box;
  lastAt: number;
  /** subject → matching hits of this track within the window */
  hits: Map<string, Hit[]>;
}

/** The candidate that started a subject's cooldown on a camera. */
interface Fired {
  at: number;
  trackId: number;
  distance: number;
}

/**
 * Decides when a gallery subject really is in view: the same subject under the threshold in at
 * least K frames within T seconds, on ONE track — the same face followed across frames (boxes
 * of a similar size that overlap, or whose centres are within a face width, with no gap longer
 * than T: see {@link continuation}). Holds only matching frames (the best few, in memory).
 *
 * Cooldown (issue 11.4): after a candidate, the track that fired stays quiet for `cooldownMs`, but
 * a different track matching the same subject on that camera still reports if it matches better
 * than the candidate that started the cooldown — so a false match on one passer-by can no longer
 * hide the real subject walking past a minute later, while one person lingering in view still
 * gives one candidate.
 */
/** What the last {@link MatchTracker.add} did with its hit. */
export interface LastAdd {
  trackId: number;
  /** First hit of the match still forming on this track (null once confirmed, or if ignored). */
  formingSince: number | null;
}

export class MatchTracker {
  /** Set by every {@link add}: lets the matcher reserve footage for a match that is forming. */
  lastAdd: LastAdd = { trackId: 0, formingSince: null };
  private tracks: Track[] = [];
  private fired = new Map<string, Fired>();
  private nextId = 1;

  constructor(
    private k: number,
    private windowMs: number,
    private cooldownMs: number,
  ) {}

  add(cameraId: string, subjectId: string, hit: Hit): Confirmed | null {
    const track = this.trackFor(cameraId, hit);
    this.lastAdd = { trackId: track.id, formingSince: null };
    const key = `${cameraId}\u0000${subjectId}`;
    const last = this.fired.get(key);
    const cooling = last !== undefined && last.at + this.cooldownMs > hit.at;
    // The track that fired is quiet for the whole cooldown, whatever its later scores.
    if (cooling && last.trackId === track.id) return null;
    const hits = (track.hits.get(subjectId) ?? []).filter((h) => h.at > hit.at - this.windowMs);
    hits.push(hit);
    if (hits.length < this.k) {
      track.hits.set(subjectId, hits);
      this.lastAdd.formingSince = hits[0]!.at;
      return null;
    }
    const best = hits.reduce((a, b) => (b.distance < a.distance ? b : a));
    // Another face during the cooldown: only a better match than the one that started it.
    if (cooling && best.distance >= last.distance) {
      track.hits.set(subjectId, hits.slice(-this.k));
      this.lastAdd.formingSince = hits.at(-this.k)!.at;
      return null;
    }
    track.hits.delete(subjectId);
    this.fired.set(key, { at: hit.at, trackId: track.id, distance: best.distance });
    const bestCrop = hits.reduce((a, b) => ((b.quality ?? 0) > (a.quality ?? 0) ? b : a), best);
    return { cameraId, subjectId, trackId: track.id, hits, best, bestCrop };
  }

  /** Forgets tracks that went quiet, so their frames leave memory, and cooldowns that ended. */
  prune(now: number) {
    this.tracks = this.tracks.filter((t) => t.lastAt >= now - this.windowMs);
    for (const [key, f] of this.fired) if (f.at + this.cooldownMs <= now) this.fired.delete(key);
  }

  /** The live track of this camera whose last box this hit continues, or a new one. */
  private trackFor(cameraId: string, hit: Hit): Track {
    let best: { track: Track; d: number } | undefined;
    for (const t of this.tracks) {
      if (t.cameraId !== cameraId || hit.at - t.lastAt > this.windowMs || hit.at < t.lastAt - this.windowMs) continue;
      const d = continuation(t.box, hit.box);
      if (d !== null && (!best || d < best.d)) best = { track: t, d };
    }
    const track = best?.track ?? { id: this.nextId++, cameraId, box: hit.box, lastAt: hit.at, hits: new Map() };
    if (!best) this.tracks.push(track);
    track.box = hit.box;
    track.lastAt = Math.max(track.lastAt, hit.at);
    return track;
  }
}
