import crypto from 'node:crypto';
import type { Box } from '@shopwatch/protocols';
import { defaultTiles, tiles, type Vision } from '@shopwatch/models';
import type { Frame } from '../camera/frame-reader';
import type { GalleryStore } from '../gallery/store';
import type { Logger } from '../log';
import type { CandidateSink, FrameSink } from '../ports';
import { type FaceAnalyser, inThreadAnalyser } from '../inference/analyser';
import { FairScheduler } from '../inference/scheduler';
import { MotionDetector, type MotionOptions } from '../motion/motion-detector';
import { type SearchPlan, type SearchPlanOptions, SearchPlanner } from '../motion/search-plan';
import { FaceTracks } from './face-tracks';
import { MatchTracker } from './tracker';

export interface MatcherOptions {
  /** Compares descriptors; also analyses frames in this thread when no `analyser` is given. */
  vision: Vision;
  /** Where frames are analysed (default: in this thread, one at a time). */
  analyser?: FaceAnalyser;
  gallery: GalleryStore;
  sink: CandidateSink;
  log: Logger;
  /** Distance at or under which a face matches a template. */
  threshold: number;
  /**
   * Per face-size band (issue 15): the threshold for a track whose faces are `facePx` wide (see
   * `thresholdForFace` of the models). Without it, `threshold` holds for every size.
   */
  thresholdFor?: (facePx: number) => number;
  /**
   * Faces narrower than this (px) are tracked but never described into a track nor matched: no
   * threshold is calibrated for them (the smallest band of models/manifest.json), and a wider band's
   * threshold accepts strangers at that size. Default 0: every face is matched.
   */
  minFacePx?: number;
  frames: number;
  windowSeconds: number;
  cooldownSeconds?: number;
  /** Edge clock minus hub clock, ms, as last measured. */
  clockOffsetMs: () => number;
  /** Motion gating (default on): `false` searches every frame whole, as before issue 15. */
  motion?: false | (MotionOptions & SearchPlanOptions);
  /**
   * A frame still waiting for inference this long after it arrived is skipped (counted in
   * `framesLate`): it could no longer help a candidate reach review in time, and would make every
   * frame behind it late too. Default 1000 ms (5 frames at 5 fps).
   */
  frameDeadlineMs?: number;
}

export interface MatcherStats {
  /** Frames looked at: by the motion gate only (static) or also by the face detector. */
  framesAnalysed: number;
  /** Frames skipped because inference was saturated (a newer frame of the camera replaced them). */
  framesDropped: number;
  /** The same, by camera: under overload these rise evenly. */
  droppedByCamera: Record<string, number>;
  /** Of `framesDropped`, frames whose deadline passed while they waited (`frameDeadlineMs`). */
  framesLate: number;
  /** 95th percentile of the last 512 frames' wait for an inference slot, ms. */
  queueWaitP95Ms: number;
  /** Frames in which nothing moved: no detector run at all. */
  framesStatic: number;
  /** Frames searched whole (first frame, scene change, periodic refresh, too much motion). */
  fullScans: number;
  /** BlazeFace inferences, all frames together. */
  detectorRuns: number;
  /** Time spent in the motion gate, ms. */
  motionMs: number;
  faces: number;
  /** Faces on judged tracks: detected and tracked, not described. */
  facesSkipped: number;
  /** Faces narrower than `minFacePx`: tracked, never described nor matched. */
  facesTooSmall: number;
  /** Chips the descriptor network ran on (mirrors of small faces included), as the analyser reports. */
  chipsDescribed: number;
  matches: number;
  candidates: number;
  busyMs: number;
}

/**
 * Detect → align → describe → compare, for every decoded frame it has time for. A face that
 * matches no template exists only inside `analyse` for that frame: its descriptor is dropped at
 * once and nothing about it is logged, kept or sent.
 */
export class FaceMatcher implements FrameSink {
  private tracker: MatchTracker;
  /** Every face followed across frames, its descriptors fused (issue 15: judge tracks, not frames). */
  private faceTracks: FaceTracks;
  private readonly analyser: FaceAnalyser;
  /** Frames waiting for inference, by camera (its counters: tests, benchmarks). */
  readonly scheduler: FairScheduler<{ frame: Frame; plan: SearchPlan; planner?: SearchPlanner }>;
  readonly stats: MatcherStats = {
    framesAnalysed: 0,
    framesDropped: 0,
    droppedByCamera: {},
    framesLate: 0,
    queueWaitP95Ms: 0,
    framesStatic: 0,
    fullScans: 0,
    detectorRuns: 0,
    motionMs: 0,
    faces: 0,
    facesSkipped: 0,
    facesTooSmall: 0,
    chipsDescribed: 0,
    matches: 0,
    candidates: 0,
    busyMs: 0,
  };
  /** Per camera: its motion background and where faces were seen lately. */
  private gates = new Map<string, { motion: MotionDetector; planner: SearchPlanner }>();
  /** Footage reserved for matches forming, by camera + track + subject. */
  private reservations = new Map<string, { from: number; lastAt: number; release: () => void }>();

  constructor(private o: MatcherOptions) {
    this.tracker = new MatchTracker(o.frames, o.windowSeconds * 1000, (o.cooldownSeconds ?? 60) * 1000);
    this.faceTracks = new FaceTracks(o.windowSeconds * 1000);
    this.analyser = o.analyser ?? inThreadAnalyser(o.vision);
    this.scheduler = new FairScheduler(
      () => this.analyser.slots,
      (cameraId, { frame, plan, planner }) => {
        this.stats.queueWaitP95Ms = p95(this.scheduler.recentWaits);
        return this.analyse(frame, plan, planner).then(
          // A frame no match holds goes back to its reader; one held as evidence stays as it is.
          (kept) => (kept ? undefined : frame.release?.()),
          (err) => {
            // Not released: a failure part-way may have left the frame with the tracker.
            this.o.log.error({ err: (err as Error).message, cameraId }, 'frame analysis failed');
          },
        );
      },
      (cameraId, { frame, planner, plan }, why) => {
        this.stats.framesDropped++;
        if (why === 'late') this.stats.framesLate++;
        this.stats.droppedByCamera[cameraId] = (this.stats.droppedByCamera[cameraId] ?? 0) + 1;
        planner?.missed(plan);
        frame.release?.();
      },
    );
  }

  push(frame: Frame): void {
    if (this.o.gallery.all().length === 0) {
      frame.release?.();
      return;
    }
    // The gate sees every frame, busy or not, so its background stays current.
    const { plan, planner } = this.gate(frame);
    if (plan.kind === 'none') {
      this.stats.framesAnalysed++;
      this.stats.framesStatic++;
      this.tracker.prune(frame.capturedAt);
      this.faceTracks.prune(frame.capturedAt); // descriptors leave memory even when nothing moves
      frame.release?.(); // most frames end here: their buffer serves a later frame
      return;
    }
    // One frame per camera in flight (its tracks see results in capture order) and a short line
    // waiting, oldest first; over that bound the oldest waiting frame is replaced.
    this.scheduler.offer(
      frame.cameraId,
      { frame, plan, planner },
      {
        priority: this.priorityOf(frame.cameraId, frame.capturedAt),
        // From now, which for a camera's frame is its capture (the reader hands frames over as they
        // arrive); `capturedAt` itself may be a scene time (tests, replays).
        deadline: Date.now() + (this.o.frameDeadlineMs ?? 1000),
      },
    );
  }

  /**
   * What a frame of this camera is worth when slots are scarce (issue 15: under a burst, frames
   * that can still confirm a match get the larger share): 2 while a gallery match is forming (each
   * frame brings it nearer its K hits, and the candidate nearer review), 1 while a face track
   * not yet judged is followed, 0 when something merely moved.
   */
  private priorityOf(cameraId: string, at: number): number {
    // Within the tracks' window, not a fixed second: under load a camera's frames may be analysed
    // less than once a second, and its priority must not lapse exactly then.
    const recent = at - this.o.windowSeconds * 1000;
    for (const [key, r] of this.reservations) if (key.startsWith(`${cameraId}\u0000`) && r.lastAt >= recent) return 2;
    return this.faceTracks.inProgress(cameraId, recent, at) ? 1 : 0;
  }

  /** Waits for frames being analysed (tests, shutdown). */
  idle(): Promise<void> {
    return this.scheduler.idle();
  }

  /** Where to look for faces in this frame (everywhere when motion gating is off). */
  private gate(frame: Frame): { plan: SearchPlan; planner?: SearchPlanner } {
    if (this.o.motion === false) return { plan: { kind: 'full', reason: 'refresh' } };
    const t0 = performance.now();
    let g = this.gates.get(frame.cameraId);
    if (!g) {
      g = { motion: new MotionDetector(this.o.motion), planner: new SearchPlanner(this.o.motion) };
      this.gates.set(frame.cameraId, g);
    }
    const motion = g.motion.detect(frame.rgb, frame.width, frame.height);
    // Faces on judged tracks need no descriptor: motion they alone explain is looked at now and then.
    const judged = this.faceTracks.judgedBoxes(frame.cameraId, frame.capturedAt);
    const plan = g.planner.plan(motion, frame.width, frame.height, frame.capturedAt, judged);
    this.stats.motionMs += performance.now() - t0;
    return { plan, planner: g.planner };
  }

  /** Resolves whether a match holds the frame (as evidence): then it must not be released. */
  private async analyse(frame: Frame, plan: SearchPlan, planner?: SearchPlanner): Promise<boolean> {
    const t0 = performance.now();
    let kept = false;
    const { vision, gallery } = this.o;
    const full = plan.kind !== 'regions';
    const faces = await this.analyser.analyse(
      frame.rgb,
      frame.width,
      frame.height,
      full ? { tiles: true } : { tiles: false, wholeFrame: false, regions: plan.regions },
      // Faces the matcher could do nothing with are not even described (issue 15: the busy street's
      // 8-14 px faces cost a descriptor inference each before being dropped here).
      { known: this.faceTracks.judgedBoxes(frame.cameraId, frame.capturedAt), minFacePx: this.o.minFacePx },
    );
    this.stats.framesAnalysed++;
    this.stats.chipsDescribed = this.analyser.chipsDescribed;
    this.stats.fullScans += full ? 1 : 0;
    this.stats.detectorRuns += full ? fullScanRuns(frame.width, frame.height) : plan.regions.length;
    planner?.noteFaces(
      faces.map((f) => f.box),
      frame.capturedAt,
    );
    this.stats.faces += faces.length;
    const taken = new Set<number>(); // two faces of one frame never continue the same track
    // Faces on judged tracks first (no descriptor): they only move their tracks on.
    const judged = faces.filter((f) => !f.descriptor && f.undescribed !== 'small');
    for (const f of judged) this.faceTracks.follow(frame.cameraId, wholePixels(f.box), frame.capturedAt, taken);
    this.stats.facesSkipped += judged.length;
    // Best faces first: they claim the tracks they continue before weaker neighbours do (faces not
    // described, quality 0, come last).
    for (const { descriptor, quality, undescribed, ...face } of [...faces].sort((a, b) => b.quality - a.quality)) {
      if (undescribed === 'judged') continue;
      // An analyser that describes small faces anyway still has them dropped here.
      if (!descriptor || face.box.w < (this.o.minFacePx ?? 0)) {
        // Too small to match reliably: followed (it keeps its place), its descriptor dropped here.
        this.faceTracks.see(frame.cameraId, wholePixels(face.box), frame.capturedAt, taken);
        this.stats.facesTooSmall++;
        continue;
      }
      // The track's fused descriptor is matched, not this frame's alone.
      const { fused, facePx, trackId, observations } = this.faceTracks.observe(
        frame.cameraId,
        wholePixels(face.box),
        descriptor,
        quality,
        frame.capturedAt,
        taken,
      );
      const threshold = this.o.thresholdFor?.(facePx) ?? this.o.threshold;
      let best: { subjectId: string; version: number; distance: number } | null = null;
      let nearest = Number.POSITIVE_INFINITY;
      for (const t of gallery.all()) {
        const { distance } = vision.compare(fused, t.descriptor);
        nearest = Math.min(nearest, distance);
        if (distance <= threshold && (!best || distance < best.distance))
          best = { subjectId: t.subjectId, version: t.version, distance };
      }
      if (!best) {
        // Enough frames fused and clearly far from every template: nobody, for a while.
        if (observations >= NOBODY_AFTER_FRAMES && nearest > threshold + NOBODY_MARGIN)
          this.faceTracks.judge(trackId, frame.capturedAt + this.o.windowSeconds * 1000);
        continue; // matched nobody: forget it
      }
      this.stats.matches++;
      kept = true;
      const hit = {
        at: frame.capturedAt,
        distance: best.distance,
        templateVersion: best.version,
        frame,
        box: wholePixels(face.box),
        quality,
      };
      const confirmed = this.tracker.add(frame.cameraId, best.subjectId, hit);
      const reserved = this.reserve(frame.cameraId, best.subjectId, frame.capturedAt, confirmed !== null);
      if (confirmed) {
        this.stats.candidates++;
        // Reported: the tracker's cooldown would drop more hits of this subject anyway.
        this.faceTracks.judge(trackId, frame.capturedAt + (this.o.cooldownSeconds ?? 60) * 1000);
        const b = confirmed.best;
        const crop = confirmed.bestCrop; // the sharpest, largest, most frontal frame of the track
        const candidateId = crypto.randomUUID();
        this.o.log.info(
          {
            candidateId,
            cameraId: frame.cameraId,
            subjectId: best.subjectId,
            trackId: confirmed.trackId,
            frames: confirmed.hits.length,
            distance: b.distance,
          },
          'gallery match candidate',
        );
        // Not awaited: encoding and spooling the evidence must not hold up the next frame.
        void this.o.sink
          .submit({
            candidateId,
            cameraId: frame.cameraId,
            frame: crop.frame,
            box: crop.box,
            payload: {
              subjectId: confirmed.subjectId,
              templateVersion: b.templateVersion,
              distance: round(b.distance),
              score: round(Math.max(0, Math.min(1, 1 - b.distance / 2))),
              frames: confirmed.hits.length,
              firstSeenAt: new Date(confirmed.hits[0]!.at).toISOString(),
              clockOffsetMs: Math.round(this.o.clockOffsetMs()),
            },
          })
          .catch((err) => {
            this.o.log.error(
              { candidateId, err: (err as Error).message },
              'could not keep the evidence of a candidate',
            );
          })
          // The clip holds its own footage once submitted: only then may the reservation go.
          .finally(() => reserved?.());
      }
    }
    this.tracker.prune(frame.capturedAt);
    this.faceTracks.prune(frame.capturedAt);
    for (const [key, r] of this.reservations) {
      if (r.lastAt < frame.capturedAt - this.o.windowSeconds * 1000) {
        r.release(); // the track went quiet without a candidate
        this.reservations.delete(key);
      }
    }
    this.stats.busyMs += performance.now() - t0;
    return kept;
  }

  /**
   * Keeps the footage of a match that is forming (from its first hit minus the pre-roll) while
   * the tracker waits for K frames. Returns, for a confirmed match, the release to call once
   * its candidate holds its own clip.
   */
  private reserve(cameraId: string, subjectId: string, at: number, confirmed: boolean): (() => void) | undefined {
    const { trackId, formingSince } = this.tracker.lastAdd;
    const key = `${cameraId}\u0000${trackId}\u0000${subjectId}`;
    const current = this.reservations.get(key);
    if (confirmed) {
      this.reservations.delete(key);
      return current?.release;
    }
    if (formingSince === null || !this.o.sink.reserve) return undefined;
    if (current?.from === formingSince) {
      current.lastAt = at;
      return undefined;
    }
    // Re-anchored on the oldest hit still in the window, so a reservation never grows.
    const release = this.o.sink.reserve(cameraId, formingSince);
    current?.release();
    this.reservations.set(key, { from: formingSince, lastAt: at, release });
    return undefined;
  }
}

/**
 * A track that matched nobody after this many fused frames (the tracks' fusion window), with its
 * nearest template this far past the threshold, is judged nobody for `windowSeconds`: its faces are
 * not described again until then. The margin keeps tracks that come close (a subject still far or
 * blurred) being described.
 */
const NOBODY_AFTER_FRAMES = 8;
const p95 = (xs: number[]) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.ceil(xs.length * 0.95) - 1]! : 0);
const NOBODY_MARGIN = 0.05;
/** BlazeFace runs of a full scan: the whole frame plus the default tiles. */
const fullScanRuns = (width: number, height: number) => 1 + tiles(width, height, defaultTiles(width, height)).length;
const round = (x: number) => Math.round(x * 10_000) / 10_000;
/** The detector's box rounded to whole pixels: the crop is cut and reported in them. */
const wholePixels = (b: Box): Box => ({
  x: Math.round(b.x),
  y: Math.round(b.y),
  w: Math.max(1, Math.round(b.w)),
  h: Math.max(1, Math.round(b.h)),
});
