import type { DetectOptions } from '@shopwatch/models';
import type { AnalysedFace, DescribeSkip } from './analyser';

/** What each worker is started with. */
export interface WorkerSetup {
  intraOpThreads: number;
  modelDir?: string;
}

/** A frame to analyse (its pixels copied into the worker's own buffer, transferred both ways). */
export interface WorkerRequest {
  id: number;
  rgb: Uint8Array;
  width: number;
  height: number;
  opts: DetectOptions;
  /** Faces not to describe: on judged tracks, or too small to match. */
  skip?: DescribeSkip;
}

/**
 * `startedAt`/`endedAt`: wall-clock ms in the worker, so overlap across workers can be seen.
 * `chipsDescribed`: the descriptor network's work on the frame (chips, mirrors included).
 * `rgb`: the request's buffer, transferred back so that the next frame is copied into it (no
 * 1.3 MB allocation per frame on either side).
 */
export type WorkerReply =
  | { id: number; faces: AnalysedFace[]; chipsDescribed: number; startedAt: number; endedAt: number; rgb?: Uint8Array }
  | { id: number; error: string; rgb?: Uint8Array };

/** Sent once, when the worker's sessions are loaded (or could not be). */
export type WorkerHello = { ready: true } | { ready: false; error: string };
