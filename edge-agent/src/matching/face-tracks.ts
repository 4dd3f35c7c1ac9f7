import type { Box } from '@shopwatch/protocols';
import { continuation } from './association';

/** One sighting of a face on its track (memory only). */
interface Observation {
  at: number;
  /** L2-normalised descriptor. */
  unit: Float32Array;
  norm: number;
  quality: number;
  /** Face width in frame pixels: the size the descriptor was made from. */
  width: number;
}

interface FaceTrack {
  id: number;
  cameraId: string;
  box: Box;
  lastAt: number;
  observations: Observation[];
  /** Judged (matched and reported, or confidently nobody) until then: its faces need no descriptor. */
  judgedUntil: number;
  /** Velocity of the box's centre between its last two sightings, px per ms (0 until seen twice). */
  vx: number;
  vy: number;
}

export interface TrackView {
  trackId: number;
  /** Sightings fused (at most `maxObservations`). */
  observations: number;
  /** The track's fused descriptor, on the scale of the raw descriptors (see {@link fuse}). */
  fused: Float32Array;
  /**
   * Quality-weighted mean face width of the fused sightings, in frame pixels: the face-size band
   * whose threshold the fused descriptor is judged by.
   */
  facePx: number;
}

/**
 * Follows every detected face across the frames of a camera (a similar size and box overlap, or
 * centres within a face width, no gap longer than `maxGapMs`: {@link continuation}) and fuses its
 * descriptors: one bad frame (blur, a turned head, a 30 px face) no longer decides, the track's
 * best frames do. Descriptors of a track live in memory only and go when the track goes quiet;
 * nothing about a face that matches nobody is logged, kept or sent.
 */
export class FaceTracks {
  private tracks: FaceTrack[] = [];
  private nextId = 1;

  constructor(
    private readonly maxGapMs: number,
    private readonly maxObservations = 8,
  ) {}

  /** Adds a sighting to the track it continues (or a new one) and returns the track's fused view. */
  observe(
    cameraId: string,
    box: Box,
    descriptor: Float32Array,
    quality: number,
    at: number,
    taken: Set<number>,
  ): TrackView {
    const track = this.trackFor(cameraId, box, at, taken);
    taken.add(track.id);
    const norm = Math.hypot(...descriptor);
    const unit = descriptor.map((v) => v / (norm || 1));
    track.observations.push({ at, unit, norm, quality, width: box.w });
    if (track.observations.length > this.maxObservations) track.observations.shift();
    moveTo(track, box, at);
    return {
      trackId: track.id,
      observations: track.observations.length,
      fused: fuse(track.observations),
      facePx: meanWidth(track.observations),
    };
  }

  /**
   * A face on a judged track seen again without a descriptor: moves the track on (so it is still
   * followed and not judged again) and returns its id, or null when it continues no track.
   */
  follow(cameraId: string, box: Box, at: number, taken: Set<number>): number | null {
    const near = this.trackFor(cameraId, box, at, taken, false);
    if (!near || near.judgedUntil < at) return null; // not judged after all: seen again next frame
    taken.add(near.id);
    moveTo(near, box, at);
    return near.id;
  }

  /**
   * A face seen but not to be described or matched (narrower than any calibrated band): moves the
   * track it continues on, or starts one, so that the face is still followed and claims its place
   * in the frame, but adds nothing to the track's fused descriptor.
   */
  see(cameraId: string, box: Box, at: number, taken: Set<number>): number {
    const track = this.trackFor(cameraId, box, at, taken);
    taken.add(track.id);
    moveTo(track, box, at);
    return track.id;
  }

  /** Marks a track judged until `until`: later faces on it are tracked but not described. */
  judge(trackId: number, until: number): void {
    const track = this.tracks.find((t) => t.id === trackId);
    if (track) track.judgedUntil = Math.max(track.judgedUntil, until);
  }

  /**
   * Where the camera's tracks judged at `at` are expected then (last box moved on at the track's
   * speed): the analyser skips describing faces there, the search plan may skip looking there.
   */
  judgedBoxes(cameraId: string, at: number): Box[] {
    return this.tracks.filter((t) => t.cameraId === cameraId && t.judgedUntil >= at).map((t) => predicted(t, at));
  }

  /**
   * Whether a track of the camera seen since `since` is still to be judged at `at`: described at
   * least once (faces too small to match never are) and judged neither matched nor nobody.
   */
  inProgress(cameraId: string, since: number, at: number): boolean {
    return this.tracks.some(
      (t) => t.cameraId === cameraId && t.lastAt >= since && t.judgedUntil < at && t.observations.length > 0,
    );
  }

  /** Forgets tracks not seen for `maxGapMs` (their descriptors leave memory). */
  prune(now: number): void {
    this.tracks = this.tracks.filter((t) => t.lastAt >= now - this.maxGapMs);
  }

  get size(): number {
    return this.tracks.length;
  }

  private trackFor(cameraId: string, box: Box, at: number, taken: Set<number>): FaceTrack;
  private trackFor(cameraId: string, box: Box, at: number, taken: Set<number>, create: false): FaceTrack | undefined;
  private trackFor(cameraId: string, box: Box, at: number, taken: Set<number>, create = true): FaceTrack | undefined {
    let best: { track: FaceTrack; d: number } | undefined;
    for (const t of this.tracks) {
      if (t.cameraId !== cameraId || taken.has(t.id) || at - t.lastAt > this.maxGapMs) continue;
      // From its last box or from where it should be by now: after frames not searched (a judged
      // track's, or skipped under load) a walking face is more than a face width from its last box;
      // one that stopped is still at it.
      const d = nearer(continuation(t.box, box), continuation(predicted(t, at), box));
      if (d !== null && (!best || d < best.d)) best = { track: t, d };
    }
    if (best || !create) return best?.track;
    const track: FaceTrack = {
      id: this.nextId++,
      cameraId,
      box,
      lastAt: at,
      observations: [],
      judgedUntil: 0,
      vx: 0,
      vy: 0,
    };
    this.tracks.push(track);
    return track;
  }
}

/** The track's box moved to its new sighting; its velocity from the two (a new track stays at 0). */
function moveTo(track: FaceTrack, box: Box, at: number): void {
  const dt = at - track.lastAt;
  if (dt > 0) {
    track.vx = (box.x + box.w / 2 - (track.box.x + track.box.w / 2)) / dt;
    track.vy = (box.y + box.h / 2 - (track.box.y + track.box.h / 2)) / dt;
  }
  track.box = box;
  track.lastAt = at;
}

/** How far ahead a track's box is extrapolated at most: past that, a walker may have turned or stopped. */
const PREDICT_MAX_MS = 1000;

/** The track's last box moved on at its velocity to `at` (its size kept), at most {@link PREDICT_MAX_MS}. */
function predicted(t: FaceTrack, at: number): Box {
  const dt = Math.min(PREDICT_MAX_MS, Math.max(0, at - t.lastAt));
  if (dt === 0 || (t.vx === 0 && t.vy === 0)) return t.box;
  return { ...t.box, x: t.box.x + t.vx * dt, y: t.box.y + t.vy * dt };
}

const nearer = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.min(a, b));

/**
 * Quality-weighted mean of L2-normalised descriptors, normalised again and scaled back to the
 * quality-weighted mean norm, so Euclidean distances keep the scale the match threshold was
 * calibrated on (dlib descriptors are not unit length).
 */
export function fuse(obs: { unit: Float32Array; norm: number; quality: number }[]): Float32Array {
  const out = new Float32Array(obs[0]?.unit.length ?? 0);
  let weight = 0;
  let norm = 0;
  for (const o of obs) {
    const w = Math.max(o.quality, 1e-3);
    for (let i = 0; i < out.length; i++) out[i] += w * o.unit[i]!;
    weight += w;
    norm += w * o.norm;
  }
  const len = Math.hypot(...out) || 1;
  const scale = norm / weight / len;
  return out.map((v) => v * scale);
}

/** Quality-weighted mean width, with the same weights as {@link fuse}. */
function meanWidth(obs: { width: number; quality: number }[]): number {
  let sum = 0;
  let weight = 0;
  for (const o of obs) {
    const w = Math.max(o.quality, 1e-3);
    sum += w * o.width;
    weight += w;
  }
  return weight > 0 ? sum / weight : 0;
}
