import { z } from 'zod';
import { Timestamp } from './common';

export const Sha256 = z.string().regex(/^[a-f0-9]{64}$/, 'a lower-case hex SHA-256');
/** Ids that travel in topics and URLs (candidate ids are made by the edge box). */
export const EvidenceId = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, '8-64 letters, digits, "_" or "-"');
export const FileName = z.string().regex(/^[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}$/, 'a plain file name');

export const Box = z.strictObject({ x: z.number(), y: z.number(), w: z.number().positive(), h: z.number().positive() });
export type Box = z.infer<typeof Box>;

/** Bounds on declared evidence files; the hub refuses a declaration or upload beyond them. */
export const MAX_EVIDENCE_IMAGE_BYTES = 8 * 1024 * 1024;
export const MAX_EVIDENCE_CLIP_BYTES = 256 * 1024 * 1024;

/**
 * A picture the candidate report declares: the hub accepts an upload only under this name, of
 * exactly `bytes` bytes, hashing to `sha256`, whose bytes sniff as JPEG.
 */
const DeclaredJpeg = {
  file: FileName,
  sha256: Sha256,
  bytes: z.number().int().positive().max(MAX_EVIDENCE_IMAGE_BYTES),
  type: z.literal('image/jpeg').default('image/jpeg'),
};

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
  /** Declared files: only these two names are accepted as uploads before the clip report. */
  crop: z.strictObject({ ...DeclaredJpeg, box: Box }),
  frame: z.strictObject({ ...DeclaredJpeg, width: z.number().int().positive(), height: z.number().int().positive() }),
});
export type CandidateReport = z.infer<typeof CandidateReport>;

/**
 * Edge → hub on the same topic, after the post-roll: the clip's declaration (`file`, `sha256`,
 * `bytes`; sent BEFORE its upload — the hub accepts `clip.mp4` only once declared here), or why
 * there is no clip (`error`). Sending it again after the upload is harmless.
 */
export const ClipReport = z
  .strictObject({
    kind: z.literal('clip'),
    candidateId: EvidenceId,
    cameraId: z.string().min(1).max(64),
    captureAt: Timestamp,
    file: FileName.optional(),
    sha256: Sha256.optional(),
    bytes: z.number().int().positive().max(MAX_EVIDENCE_CLIP_BYTES).optional(),
    /** An MP4 holding an H.264 video stream; the hub checks it with ffprobe once complete. */
    type: z.literal('video/mp4').optional(),
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
  })
  .refine((r) => !r.file || (r.sha256 !== undefined && r.bytes !== undefined), {
    message: 'a clip with a file declares its sha256 and bytes',
    path: ['file'],
  });
export type ClipReport = z.infer<typeof ClipReport>;

export const EvidenceReport = z.discriminatedUnion('kind', [CandidateReport, ClipReport]);
export type EvidenceReport = z.infer<typeof EvidenceReport>;

/** Reply to a file upload (`PATCH /api/edge/files/{candidateId}/{name}`) once complete. */
export const UploadResult = z.object({
  candidateId: z.string(),
  name: z.string(),
  bytes: z.number().int(),
  sha256: Sha256,
  verified: z.literal(true),
});
export type UploadResult = z.infer<typeof UploadResult>;
