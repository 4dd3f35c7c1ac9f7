import { z } from 'zod';
import { Slug, Timestamp } from './common';
import { Box, Sha256 } from './evidence';

export const CandidateStatus = z.enum(['pending', 'confirmed', 'rejected', 'expired']);
export type CandidateStatus = z.infer<typeof CandidateStatus>;

export const EvidenceFile = z.object({
  name: z.string(),
  kind: z.enum(['crop', 'frame', 'clip']),
  /** The type the file was checked to be (magic bytes; ffprobe for the clip) and is served as. */
  type: z.enum(['image/jpeg', 'video/mp4']),
  sha256: Sha256,
  bytes: z.number().int().nullable(),
  /** True once the hub received every byte and the SHA-256 matched the edge's. */
  verified: z.boolean(),
  /** Deleted after a rejection or expiry: the person matched nobody. */
  deleted: z.boolean(),
});
export type EvidenceFile = z.infer<typeof EvidenceFile>;

/** A candidate match waiting for (or decided by) a human reviewer. */
export const ReviewCandidate = z.object({
  id: z.string(),
  scheme: Slug,
  deviceId: z.string(),
  store: Slug.nullable(),
  zone: Slug.nullable(),
  cameraId: z.string(),
  subjectId: z.string(),
  subjectAlias: z.string().nullable(),
  score: z.number(),
  distance: z.number(),
  frames: z.number().int(),
  /** When the edge first saw the subject in this track (edge clock), as it reported. */
  firstSeenAt: Timestamp,
  capturedAt: Timestamp,
  receivedAt: Timestamp,
  clockOffsetMs: z.number(),
  /** The face in the frame, in pixels of a frame of frameWidth × frameHeight. */
  box: Box,
  frameWidth: z.number().int().nullable(),
  frameHeight: z.number().int().nullable(),
  status: CandidateStatus,
  files: z.array(EvidenceFile),
  clip: z
    .object({
      durationSeconds: z.number().nullable(),
      codec: z.string().nullable(),
      complete: z.boolean().nullable(),
      error: z.string().nullable(),
    })
    .nullable(),
  /**
   * `arriving`: the clip is still being recorded (post-roll) or uploaded — also after a
   * confirmation; an `updated` event follows when it lands. `ready`: verified, playable.
   * `none`: the edge reported why there is no clip. `deleted`: rejected or expired.
   */
  clipState: z.enum(['arriving', 'ready', 'none', 'deleted']),
  claimedBy: z.string().nullable(),
  claimedUntil: Timestamp.nullable(),
  decidedBy: z.string().nullable(),
  decidedAt: Timestamp.nullable(),
  reason: z.string().nullable(),
  alertId: z.string().nullable(),
  /** The review case this sighting belongs to (one subject at one store). */
  caseId: z.string().nullable().optional(),
});
export type ReviewCandidate = z.infer<typeof ReviewCandidate>;

/**
 * `GET /api/review?status=&order=`: every status is listed in the same order, by the time the
 * hub received the candidate — `oldest` first by default (the oldest pending one expires first),
 * or `newest` first.
 */
export const ReviewOrder = z.enum(['newest', 'oldest']);
export type ReviewOrder = z.infer<typeof ReviewOrder>;

/** Hub → control room on `review/candidates` and the browser WebSocket. */
export const ReviewEvent = z.object({
  event: z.enum(['pending', 'updated', 'claimed', 'decided', 'expired']),
  candidate: ReviewCandidate,
});
export type ReviewEvent = z.infer<typeof ReviewEvent>;

/** `POST /api/review/{id}/decision` */
export const ReviewDecision = z.strictObject({
  verdict: z.enum(['confirm', 'reject']),
  reason: z.string().trim().min(3, 'give a reason (at least 3 characters)').max(500),
});
export type ReviewDecision = z.infer<typeof ReviewDecision>;

export const CaseStatus = z.enum(['open', 'confirmed', 'rejected', 'expired']);
export type CaseStatus = z.infer<typeof CaseStatus>;

/**
 * Sightings of one subject at one store, grouped so that a reviewer decides once: later
 * candidates attach to the open case; after a confirm, repeat sightings within the follow-up
 * window update the case's alert ("seen again at …") instead of raising another.
 */
export const ReviewCase = z.object({
  id: z.string(),
  scheme: Slug,
  store: Slug.nullable(),
  zone: Slug.nullable(),
  subjectId: z.string(),
  subjectAlias: z.string().nullable(),
  status: CaseStatus,
  sightings: z.number().int(),
  pending: z.number().int(),
  bestScore: z.number(),
  bestCandidateId: z.string(),
  firstSeenAt: Timestamp,
  lastSeenAt: Timestamp,
  cameras: z.array(z.string()),
  alertId: z.string().nullable(),
  decidedBy: z.string().nullable(),
  decidedAt: Timestamp.nullable(),
  reason: z.string().nullable(),
});
export type ReviewCase = z.infer<typeof ReviewCase>;

/** `GET /api/review/cases/{id}`: the case with its sightings, newest first. */
export const ReviewCaseDetail = ReviewCase.extend({ candidates: z.array(ReviewCandidate) });
export type ReviewCaseDetail = z.infer<typeof ReviewCaseDetail>;
