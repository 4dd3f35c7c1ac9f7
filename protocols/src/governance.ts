import { z } from 'zod';
import { MatchExclusion } from './alerts';
import { Slug, Timestamp } from './common';

/**
 * Gallery governance: incidents, subjects, exclusions. Shapes are strict: a field that is not
 * here (ethnicity, religion, health, sexual orientation, ...) is refused, never stored.
 */

export const IncidentType = z.enum(['theft', 'violence', 'threats-or-abuse', 'criminal-damage', 'fraud', 'other']);
export type IncidentType = z.infer<typeof IncidentType>;

export const IncidentInput = z.strictObject({
  type: IncidentType,
  occurredAt: Timestamp,
  /** Members record incidents for their own store and may leave this out. */
  store: Slug.optional(),
  description: z.string().trim().min(5, 'describe what happened').max(4000),
  /** Value of goods involved, in pence. */
  valuePence: z.number().int().min(0).max(100_000_000).optional(),
  /** Witness statement text; enrolment in the gallery needs an incident with one. */
  statement: z.string().trim().min(20, 'a statement needs at least 20 characters').max(20_000).optional(),
  alertId: z.string().max(64).optional(),
  evidenceIds: z.array(z.string().max(64)).max(50).optional(),
});
export type IncidentInput = z.infer<typeof IncidentInput>;

export const Incident = z.object({
  id: z.string(),
  scheme: Slug,
  store: Slug.nullable(),
  type: IncidentType,
  occurredAt: Timestamp,
  description: z.string(),
  valuePence: z.number().int().nullable(),
  statement: z.string().nullable(),
  alertId: z.string().nullable(),
  evidenceIds: z.array(z.string()),
  reporter: z.string(),
  createdAt: Timestamp,
});
export type Incident = z.infer<typeof Incident>;

/** The written list of reasons a person may be enrolled for matching. */
export const EnrolmentReason = z.enum([
  'repeat-offending',
  'violence-or-threats',
  'high-value-theft',
  'organised-retail-crime',
  'exclusion-breach',
]);
export type EnrolmentReason = z.infer<typeof EnrolmentReason>;

export const SubjectStatus = z.enum(['known', 'id-sought']);
export type SubjectStatus = z.infer<typeof SubjectStatus>;

export const SubjectInput = z.strictObject({
  alias: z.string().trim().min(2, 'an alias of at least 2 characters, e.g. "Grey Hoodie"').max(80),
  status: SubjectStatus,
  reason: EnrolmentReason,
  incidentIds: z.array(z.string().min(1)).min(1, 'link at least one incident'),
  /** A subject under 18 or vulnerable is never enrolled for matching. */
  under18: z.boolean(),
  vulnerable: z.boolean(),
  notes: z.string().max(2000).optional(),
});
export type SubjectInput = z.infer<typeof SubjectInput>;

export const PhotoInfo = z.object({
  id: z.string(),
  sha256: z.string(),
  bytes: z.number().int(),
  width: z.number().int(),
  height: z.number().int(),
  source: z.string(),
  /** Detector score and box of the one face in the photo. */
  face: z.object({ score: z.number(), box: z.object({ x: z.number(), y: z.number(), w: z.number(), h: z.number() }) }),
  createdAt: Timestamp,
  createdBy: z.string(),
  deleted: z.boolean(),
});
export type PhotoInfo = z.infer<typeof PhotoInfo>;

export const Subject = z.object({
  id: z.string(),
  scheme: Slug,
  alias: z.string(),
  status: SubjectStatus,
  reason: EnrolmentReason,
  notes: z.string().nullable(),
  incidentIds: z.array(z.string()),
  enrolledBy: z.string(),
  enrolledAt: Timestamp,
  expiresAt: Timestamp,
  state: z.enum(['active', 'expired', 'removed']),
  endedAt: Timestamp.nullable(),
  endedReason: z.string().nullable(),
  photos: z.array(PhotoInfo),
  templates: z.number().int(),
});
export type Subject = z.infer<typeof Subject>;

export const RemoveSubject = z.strictObject({ reason: z.string().trim().min(3).max(500) });

/** A purge (expiry or removal) and which edge boxes have applied it. */
export const PurgeStatus = z.object({
  subjectId: z.string(),
  alias: z.string().nullable(),
  version: z.number().int(),
  reason: z.string(),
  at: Timestamp,
  confirmedBy: z.array(z.string()),
  pending: z.array(z.string()),
});
export type PurgeStatus = z.infer<typeof PurgeStatus>;

export const ExclusionInput = z.strictObject({
  subjectId: z.string(),
  stores: z.array(Slug).default([]),
  zones: z.array(Slug).default([]),
  startsAt: Timestamp,
  endsAt: Timestamp,
  /** Who decided, by name and role, e.g. "J. Smith, scheme coordinator". */
  decidedBy: z.string().trim().min(3, 'name who decided and their role').max(200),
  appealRoute: z.string().trim().min(10, 'say how the person can appeal').max(2000),
});
export type ExclusionInput = z.infer<typeof ExclusionInput>;

export const ExclusionEvent = z.object({
  at: Timestamp,
  by: z.string(),
  kind: z.enum(['appeal', 'review', 'decision']),
  text: z.string(),
  outcome: z.enum(['upheld', 'varied', 'withdrawn']).nullable(),
});

export const Exclusion = z.object({
  id: z.string(),
  scheme: Slug,
  subjectId: z.string(),
  stores: z.array(Slug),
  zones: z.array(Slug),
  startsAt: Timestamp,
  endsAt: Timestamp,
  decidedBy: z.string(),
  appealRoute: z.string(),
  status: z.enum(['active', 'withdrawn', 'ended']),
  events: z.array(ExclusionEvent),
  createdAt: Timestamp,
  createdBy: z.string(),
});
export type Exclusion = z.infer<typeof Exclusion>;

export const AppealInput = z.strictObject({
  kind: z.enum(['appeal', 'review']),
  text: z.string().trim().min(5, 'say what was received (at least 5 characters)').max(4000),
});
export const ExclusionDecision = z.strictObject({
  outcome: z.enum(['upheld', 'varied', 'withdrawn']),
  text: z.string().trim().min(5, 'give the reasons for the decision (at least 5 characters)').max(4000),
  endsAt: Timestamp.optional(),
  stores: z.array(Slug).optional(),
  zones: z.array(Slug).optional(),
});

/** `POST /api/audit/disclosures`: a record that gallery data left the scheme, to whom and why. */
export const DisclosureInput = z.strictObject({
  subjectId: z.string(),
  to: z.string().trim().min(2).max(200),
  organisation: z.string().trim().min(2).max(200),
  why: z.string().trim().min(5).max(2000),
});

export const AuditEntry = z.object({
  seq: z.number().int(),
  at: Timestamp,
  scheme: z.string(),
  actor: z.object({ kind: z.string(), id: z.string() }),
  action: z.string(),
  object: z.object({ kind: z.string(), id: z.string() }),
  subjectId: z.string().nullable(),
  detail: z.record(z.string(), z.unknown()).nullable(),
  prevHash: z.string(),
  hash: z.string(),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

export const VerdictStats = z.object({
  byCamera: z.array(
    z.object({
      deviceId: z.string(),
      cameraId: z.string(),
      confirmed: z.number().int(),
      rejected: z.number().int(),
      expired: z.number().int(),
      pending: z.number().int(),
    }),
  ),
  byStore: z.array(
    z.object({
      store: z.string().nullable(),
      confirmed: z.number().int(),
      rejected: z.number().int(),
      expired: z.number().int(),
      pending: z.number().int(),
    }),
  ),
  bySubject: z.array(
    z.object({
      subjectId: z.string(),
      confirmed: z.number().int(),
      rejected: z.number().int(),
      expired: z.number().int(),
      pending: z.number().int(),
    }),
  ),
  /** Score histograms in bins of 0.05, by verdict: where to set a camera's threshold. */
  scores: z.object({ binWidth: z.number(), confirmed: z.array(z.number().int()), rejected: z.array(z.number().int()) }),
  byDay: z.array(
    z.object({ day: z.string(), confirmed: z.number().int(), rejected: z.number().int(), expired: z.number().int() }),
  ),
});
export type VerdictStats = z.infer<typeof VerdictStats>;

/** `GET /api/gallery/search?q=`: active subjects whose alias contains q, for the raise form. */
export const SubjectHit = z.object({
  id: z.string(),
  alias: z.string(),
  status: SubjectStatus,
  reason: EnrolmentReason,
});
export type SubjectHit = z.infer<typeof SubjectHit>;

/** An exclusion notice as store staff see it (the same shape as on a match alert). */
export const FieldExclusion = MatchExclusion;
export type FieldExclusion = z.infer<typeof FieldExclusion>;

/**
 * `GET /api/field/gallery`: the scheme's active subjects for store staff and wardens, with the
 * notices covering the reader's store (every notice of the scheme for a warden). The list view
 * is audited; each `photoUrl` is an authenticated path whose every fetch is audited too.
 */
export const FieldGallery = z.object({
  store: Slug.nullable(),
  subjects: z.array(
    z.object({
      id: z.string(),
      alias: z.string(),
      status: SubjectStatus,
      reason: EnrolmentReason,
      photoUrls: z.array(z.string()),
      exclusions: z.array(FieldExclusion),
    }),
  ),
});
export type FieldGallery = z.infer<typeof FieldGallery>;
