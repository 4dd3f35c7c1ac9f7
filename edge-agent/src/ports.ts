/**
 * The seams where the hub engineer plugs in face matching and the uplink. The camera and storage
 * half of the agent depends only on these interfaces.
 */
import type { Box, CandidateReport } from '@shopwatch/protocols';
import type { Frame } from './camera/frame-reader';
import type { LocalCameraStatus } from './camera/watchdog';
import type { SpoolItem, SpoolStatus } from './spool/types';

/**
 * The matcher's part of the protocol's `CandidateReport`: who matched, how closely, since when.
 * The recorder adds the rest (ids, capture time, box, the declared crop and frame).
 */
export type CandidateMatch = Pick<
  CandidateReport,
  'subjectId' | 'templateVersion' | 'distance' | 'score' | 'frames' | 'firstSeenAt' | 'clockOffsetMs'
>;

/**
 * Receives every decoded frame of every camera (in memory). Must return quickly: drop frames
 * when busy rather than queue them. Frames that match nobody must be forgotten, never written.
 */
export interface FrameSink {
  push(frame: Frame): void;
}

/** What the matcher asks the agent to keep when a face matched over K frames within T seconds. */
export interface CandidateRequest {
  /** Idempotency key of the candidate (e.g. a UUID made by the matcher). */
  candidateId: string;
  cameraId: string;
  /** The best frame of the track; its `capturedAt` is the moment the clip is centred on. */
  frame: Frame;
  /** The face in `frame`, in whole frame pixels (the protocol's box). */
  box: Box;
  /** The match, sent as is in the spooled `CandidateReport`. */
  payload: CandidateMatch;
}

/** Asked by the matcher; implemented by `EvidenceRecorder`. */
export interface CandidateSink {
  submit(request: CandidateRequest): Promise<void>;
  /**
   * A gallery match is forming on this camera since `fromMs` (its first matching frame): keep
   * the footage from `fromMs` minus the pre-roll until the returned function is called. The
   * rolling buffer itself keeps only a short window; without this, the pre-roll of a candidate
   * confirmed seconds later (K frames within T, slow analysis under load) could be gone.
   */
  reserve?(cameraId: string, fromMs: number): () => void;
}

/** The hub side: implemented with MQTT + HTTP by the hub engineer. */
export interface Uplink {
  /** Camera status changes (publish retained on the camera's report topic). */
  reportCamera(status: LocalCameraStatus): void;
  /** Spool level changes (`warning` above 80 % of the quota). */
  reportSpool(status: SpoolStatus): void;
  /**
   * Sends one spooled item with its kept files (idempotency key = `item.id`) and resolves once
   * the hub acknowledged it; rejects to have it retried later, in the same order.
   */
  deliver(item: SpoolItem): Promise<void>;
}
