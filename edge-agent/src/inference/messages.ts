import type { Box } from '@shopwatch/protocols';
import type { DetectOptions } from '@shopwatch/models';
import type { AnalysedFace } from './analyser';

/** What each worker is started with. */
export interface WorkerSetup {
  intraOpThreads: number;
  modelDir?: string;
}

/** A frame to analyse (its pixels copied into a transferred buffer). */
export interface WorkerRequest {
  id: number;
  rgb: Uint8Array;
  width: number;
  height: number;
  opts: DetectOptions;
  /** Boxes of judged tracks: faces on them are not described. */
  known?: readonly Box[];
}

/** `startedAt`/`endedAt`: wall-clock ms in the worker, so overlap across workers can be seen. */
export type WorkerReply =
  | { id: number; faces: AnalysedFace[]; startedAt: number; endedAt: number }
  | { id: number; error: string };

/** Sent once, when the worker's sessions are loaded (or could not be). */
export type WorkerHello = { ready: true } | { ready: false; error: string };
