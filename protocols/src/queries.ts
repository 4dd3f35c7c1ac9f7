import { z } from 'zod';
import { CandidateStatus, CaseStatus, ReviewOrder } from './review';

/**
 * Query strings of the GET routes other than `/api/alerts` (see `AlertQuery`). Each is strict:
 * an unknown parameter is a 400 naming it, and a number that is not an integer in range
 * (`abc`, `-1`, `1e9`) is refused rather than read as "everything".
 */
const Int = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d{1,9}$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

/** `GET /api/gallery/subjects`. */
export const SubjectListQuery = z.strictObject({
  state: z.enum(['active', 'expired', 'removed', 'all']).default('active'),
});
export type SubjectListQuery = z.infer<typeof SubjectListQuery>;

/** `GET /api/audit`: newest first, `before` a seq for paging back. */
export const AuditQuery = z.strictObject({
  subjectId: z.string().min(1).max(64).optional(),
  limit: Int(1, 500).default(200),
  before: Int(1, 999_999_999).optional(),
});
export type AuditQuery = z.infer<typeof AuditQuery>;

/** `GET /api/review-stats`: the window in days. */
export const ReviewStatsQuery = z.strictObject({
  days: Int(1, 365).default(30),
});
export type ReviewStatsQuery = z.infer<typeof ReviewStatsQuery>;

/** Routes that take no query parameters at all. */
export const NoQuery = z.strictObject({});

/** `GET /api/review`: the queue by status (`all` for every one), oldest first unless `order=newest`. */
export const ReviewQuery = z.object({
  status: z
    .enum([...CandidateStatus.options, 'all'], { error: 'status must be pending, confirmed, rejected, expired or all' })
    .default('pending'),
  order: z.enum(ReviewOrder.options, { error: 'order must be newest or oldest' }).default('oldest'),
});
export type ReviewQuery = z.infer<typeof ReviewQuery>;

/** `GET /api/review/cases`: cases by status, `all` for every one. */
export const CaseQuery = z.object({
  status: z
    .enum([...CaseStatus.options, 'all'], { error: 'status must be open, confirmed, rejected, expired or all' })
    .default('open'),
});
export type CaseQuery = z.infer<typeof CaseQuery>;
