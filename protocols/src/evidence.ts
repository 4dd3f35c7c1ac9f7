import { z } from 'zod';
import { Timestamp } from './common';

export const Sha256 = z.string().regex(/^[a-f0-9]{64}$/, 'a lower-case hex SHA-256');
/** Ids that travel in topics and URLs (candidate ids are made by the edge box). */
export const EvidenceId = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, '8-64 letters, digits, "_" or "-"');
export const FileName = z.string().regex(/^[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}$/, 'a plain file name');

export const Box = z.strictObject({ x: z.number(), y: z.number(), w: z.number().positive(), h: z.number().positive() });
export type Box = z.infer<typeof Box>;

/**
 * Edge → hub on `devices/{deviceId}/evidence`: a face matched a gallery subject over several
 * frames. Sent at once with its crop and frame (uploaded over HTTP); the clip follows.
 * Faces that match nobody are never reported.
 */
export const CandidateReport = z.strictObject({
  kind: z.literal('candidate'),
  candidateId: EvidenceId,
  cameraId: z.string().min(1).max(64),
  subjectId: z.string().min(1).max(64),
  /** The gallery version whose template matched. */
  templateVersion: z.number().int().nonnegative(),
  /** Similarity in [0, 1]: 1 - distance / 2 for L2-normalised descriptors; higher is closer. */
  score: z.number().min(0).max(1),
  /** Descriptor distance of the best frame (lower is closer). */
  distance: z.number().nonnegative(),
  /** Frames in which the same subject matched within the window. */
  frames: z.number().int().positive(),
  firstSeenAt: Timestamp,
  capturedAt: Timestamp,
  /** Edge clock minus hub clock in ms, as last measured by the edge (for the evidence manifest). */
  clockOffsetMs: z.number(),
  box: Box,
  crop: z.strictObject({ file: FileName, sha256: Sha256, box: Box }),
  frame: z.strictObject({ file: FileName, sha256: Sha256, width: z.number().int().positive(), height: z.number().int().positive() }),
});
export type CandidateReport = z.infer<typeof CandidateReport>;

/** Edge → hub on the same topic, after the post-roll: the clip was uploaded, or why there is none. */
export const ClipReport = z.strictObject({
  kind: z.literal('clip'),
  candidateId: EvidenceId,
  cameraId: z.string().min(1).max(64),
  captureAt: Timestamp,
  file: FileName.optional(),
  sha256: Sha256.optional(),
  bytes: z.number().int().positive().optional(),
  durationSeconds: z.number().positive().optional(),
  codec: z.string().max(32).optional(),
  width: z.number().int().positive().optional(),
  height: z.number().int().positive().optional(),
  from: Timestamp.optional(),
  to: Timestamp.optional(),
  startAt: Timestamp.optional(),
  endAt: Timestamp.optional(),
  complete: z.boolean().optional(),
  segments: z.number().int().nonnegative().optional(),
  error: z.string().max(64).optional(),
  message: z.string().max(300).optional(),
});
export type ClipReport = z.infer<typeof ClipReport>;

export const EvidenceReport = z.discriminatedUnion('kind', [CandidateReport, ClipReport]);
export type EvidenceReport = z.infer<typeof EvidenceReport>;

/** Reply to a file upload (`PATCH /api/edge/files/{candidateId}/{name}`) once complete. */
export const UploadResult = z.object({ candidateId: z.string(), name: z.string(), bytes: z.number().int(), sha256: Sha256, verified: z.literal(true) });
export type UploadResult = z.infer<typeof UploadResult>;
