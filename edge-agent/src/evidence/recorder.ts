import { createHash } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { CandidateReport } from '@shopwatch/protocols';
import type { Frame } from '../camera/frame-reader';
import { createLogger, type Logger } from '../log';
import type { CandidateRequest, CandidateSink } from '../ports';
import type { Spool, SpoolItem } from '../spool/types';
import { ClipError, cutClip } from './clip';
import { sha256 } from './hash';
import type { SegmentRing } from './segment-ring';
import type { Box } from '@shopwatch/protocols';
import { encodeJpeg, expandBox } from './snapshot';
import { grabStill, scaleBox } from './still';
import { StillLane } from './still-lane';

export interface EvidenceRecorderOptions {
  spool: Spool;
  /** The rolling buffer of a camera. */
  ring: (cameraId: string) => SegmentRing | undefined;
  /** Scratch space for clips being cut (they are copied into the spool, then deleted). */
  workDir: string;
  preRollSeconds: number;
  postRollSeconds: number;
  segmentSeconds: number;
  ffmpegPath?: string;
  /** Kill the ffmpeg joining a clip's segments after this long (default 60 s). */
  joinTimeoutMs?: number;
  /**
   * Take the crop and frame from the recorded full-resolution stream (default on; issue 15).
   * Off, or when that fails within `stillTimeoutMs`, they come from the detect-size frame.
   */
  fullResolutionStills?: boolean;
  /**
   * Give up on a full-resolution still after this long (default 800 ms): the candidate reaches the
   * review queue within ~1.5 s of capture even on a saturated box (two ffmpeg runs take ~0.3 s on
   * a quiet one, 1-2 s at load 30 on two cores).
   */
  stillTimeoutMs?: number;
  /**
   * Full-resolution stills taken at once, at most (default 1): under a burst of candidates the
   * others wait their turn within `stillTimeoutMs`, so stills never crowd out inference.
   */
  stillConcurrency?: number;
  log?: Logger;
}

export interface RecordResult {
  /** The `candidate` item, enqueued at once with `crop.jpg` and `frame.jpg`. */
  candidate: SpoolItem;
  /** The `clip` item (`clip.mp4`), enqueued after the post-roll; its payload says why if there is no clip. */
  clip: Promise<SpoolItem>;
}

/**
 * Turns a matcher's candidate into spooled evidence — the only path by which pictures of people
 * reach the disk. The candidate goes out at once with its face crop and frame (JPEG, hashed),
 * so a reviewer sees it within seconds; the clip follows as a second item once the post-roll is
 * recorded. Both share the candidate id; delivery keeps their order.
 *
 * @example
 * const recorder = new EvidenceRecorder({ spool, ring: (id) => rings.get(id), workDir, preRollSeconds: 10,
 *   postRollSeconds: 10, segmentSeconds: 2 });
 * await recorder.submit({ candidateId, cameraId, frame, box, payload: match });
 */
export class EvidenceRecorder implements CandidateSink {
  private readonly pending = new Set<Promise<unknown>>();
  private readonly log: Logger;
  /** Where full-resolution stills wait their turn (its stats: tests, benchmarks). */
  readonly stills: StillLane;

  constructor(private readonly opts: EvidenceRecorderOptions) {
    this.log = opts.log ?? createLogger('agent:evidence');
    this.stills = new StillLane(opts.stillConcurrency ?? 1);
    mkdirSync(opts.workDir, { recursive: true });
  }

  async submit(request: CandidateRequest): Promise<void> {
    await this.record(request);
  }

  /** Holds the camera's footage from `fromMs` − pre-roll on, until released (see CandidateSink). */
  reserve(cameraId: string, fromMs: number): () => void {
    const ring = this.opts.ring(cameraId);
    return ring ? ring.hold(fromMs - this.opts.preRollSeconds * 1000, Number.POSITIVE_INFINITY) : () => {};
  }

  async record(req: CandidateRequest): Promise<RecordResult> {
    // Capture → review latency by stage (issue 15): what is spent before, in the still, in the JPEGs, in the spool.
    const t0 = Date.now();
    const { frame, box } = await this.stillOf(req);
    const t1 = Date.now();
    const cropBox = expandBox(box, 0.25, frame.width, frame.height);
    const [crop, whole] = await Promise.all([encodeJpeg(frame, cropBox, 92), encodeJpeg(frame)]);
    const t2 = Date.now();
    // The spooled payload IS the protocol's report: the uplink sends it as it is.
    const report: CandidateReport = {
      ...req.payload,
      kind: 'candidate',
      candidateId: req.candidateId,
      cameraId: req.cameraId,
      capturedAt: new Date(frame.capturedAt).toISOString(),
      box,
      // Declared files: the hub takes only these names, sizes and hashes as uploads.
      crop: { file: 'crop.jpg', sha256: sha256(crop), bytes: crop.length, type: 'image/jpeg', box: cropBox },
      frame: {
        file: 'frame.jpg',
        sha256: sha256(whole),
        bytes: whole.length,
        type: 'image/jpeg',
        width: frame.width,
        height: frame.height,
      },
    };
    const candidate = await this.opts.spool.enqueue({ id: req.candidateId, kind: 'candidate', payload: report }, [
      { name: 'crop.jpg', data: crop },
      { name: 'frame.jpg', data: whole },
    ]);
    this.log.info(
      {
        candidateId: req.candidateId,
        sinceCaptureMs: t0 - req.frame.capturedAt,
        stillMs: t1 - t0,
        fullResolution: frame !== req.frame,
        jpegMs: t2 - t1,
        spoolMs: Date.now() - t2,
      },
      'candidate spooled',
    );
    const clip = this.clipItem(req);
    this.pending.add(clip);
    void clip.finally(() => this.pending.delete(clip)).catch(() => undefined);
    return { candidate, clip };
  }

  /**
   * The matched frame and face box at the camera's full resolution, taken from the rolling
   * buffer (only ever for a confirmed match); the detect-size frame if that is not possible.
   */
  private async stillOf(req: CandidateRequest): Promise<{ frame: Frame; box: Box }> {
    const ring = this.opts.ring(req.cameraId);
    if (!ring || this.opts.fullResolutionStills === false) return req;
    const at = req.frame.capturedAt;
    const release = ring.hold(at - 5000, at + 5000); // its segments must outlive the grab
    try {
      // The candidate's time counts from now, its wait for a place in the lane included.
      const deadline = Date.now() + (this.opts.stillTimeoutMs ?? 800);
      const full = await this.stills.run(deadline, (timeoutMs) =>
        grabStill({ dir: ring.dir, frame: req.frame, ffmpegPath: this.opts.ffmpegPath, timeoutMs }),
      );
      return { frame: full, box: scaleBox(req.box, req.frame, full) };
    } catch (err) {
      this.log.warn(
        { candidateId: req.candidateId, err: (err as Error).message },
        'no full-resolution still: the crop comes from the detect frame',
      );
      return req;
    } finally {
      release();
    }
  }

  /** Clips still waiting for their post-roll. */
  get inFlight(): number {
    return this.pending.size;
  }

  /** Waits for every clip in flight (call before stopping the cameras). */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.pending]);
  }

  private async clipItem(req: CandidateRequest): Promise<SpoolItem> {
    const id = `${req.candidateId}/clip`;
    const base = {
      candidateId: req.candidateId,
      cameraId: req.cameraId,
      captureAt: new Date(req.frame.capturedAt).toISOString(),
    };
    const ring = this.opts.ring(req.cameraId);
    const outFile = join(this.opts.workDir, `${createHash('sha256').update(id).digest('hex').slice(0, 24)}.mp4`);
    try {
      if (!ring) throw new ClipError('no_footage', `no rolling buffer for camera ${req.cameraId}`);
      const c = await cutClip({
        ring,
        captureMs: req.frame.capturedAt,
        outFile,
        preRollSeconds: this.opts.preRollSeconds,
        postRollSeconds: this.opts.postRollSeconds,
        segmentSeconds: this.opts.segmentSeconds,
        ffmpegPath: this.opts.ffmpegPath,
        joinTimeoutMs: this.opts.joinTimeoutMs,
      });
      const iso = (ms: number) => new Date(ms).toISOString();
      return await this.opts.spool.enqueue(
        {
          id,
          kind: 'clip',
          payload: {
            ...base,
            file: 'clip.mp4',
            sha256: c.sha256,
            bytes: c.bytes,
            durationSeconds: c.durationSeconds,
            codec: c.codec,
            width: c.width,
            height: c.height,
            from: iso(c.fromMs),
            to: iso(c.toMs),
            startAt: iso(c.startMs),
            endAt: iso(c.endMs),
            complete: c.complete,
            segments: c.segments,
          },
        },
        [{ name: 'clip.mp4', path: c.file, sha256: c.sha256 }],
      );
    } catch (err) {
      const code = err instanceof ClipError ? err.code : 'failed';
      this.log.error({ candidateId: req.candidateId, code, err: (err as Error).message }, 'no clip for candidate');
      return this.opts.spool.enqueue({
        id,
        kind: 'clip',
        payload: { ...base, error: code, message: (err as Error).message.slice(0, 300) },
      });
    } finally {
      rmSync(outFile, { force: true });
    }
  }
}
