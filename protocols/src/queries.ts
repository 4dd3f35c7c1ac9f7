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

/** The kinds of audit entry (`AuditEntry.action`): what the viewer's "what" filter offers. */
export const AuditAction = z.enum(['view', 'export', 'disclose', 'create', 'update', 'delete', 'decide', 'purge']);
export type AuditAction = z.infer<typeof AuditAction>;

/**
 * The filters of the audit viewer, shared by the page (`GET /api/audit`) and the CSV export:
 * who (`actor`, a username or device id), what (`action`), whose data (`subjectId`) and a time
 * range, `from` inclusive and `to` exclusive (ISO-8601 instants: the browser turns the dates
 * its user picked into instants of the user's own time zone).
 */
const auditFilters = {
  actor: z.string().trim().min(1).max(64).optional(),
  action: AuditAction.optional(),
  subjectId: z.string().min(1).max(64).optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
};
const rangeInOrder = (q: { from?: string; to?: string }) => !q.from || !q.to || Date.parse(q.from) < Date.parse(q.to);
const rangeError = { message: '"from" must be before "to"', path: ['to'] };

/** `GET /api/audit`: one page, newest first; `before` (the last seq of a page) fetches the next, older one. */
export const AuditQuery = z
  .strictObject({
    ...auditFilters,
    limit: Int(1, 500).default(200),
    before: Int(1, 999_999_999).optional(),
  })
  .refine(rangeInOrder, rangeError);
export type AuditQuery = z.infer<typeof AuditQuery>;

/** Most rows one CSV export holds: a bound on the work and memory one request can cause. */
export const AUDIT_CSV_MAX_ROWS = 10_000;

/** `GET /api/audit.csv`: the same filters as the viewer, every matching entry up to the bound. */
export const AuditCsvQuery = z
  .strictObject({ ...auditFilters, limit: Int(1, AUDIT_CSV_MAX_ROWS).default(AUDIT_CSV_MAX_ROWS) })
  .refine(rangeInOrder, rangeError);
export type AuditCsvQuery = z.infer<typeof AuditCsvQuery>;

/** `GET /api/review-stats`: the window in days. */
export const ReviewStatsQuery = z.strictObject({
  days: Int(1, 365).default(30),
});
export type ReviewStatsQuery = z.infer<typeof ReviewStatsQuery>;

/**
 * `GET /api/gallery/subjects/{id}/sar`: `html`, a readable document with the photos embedded,
 * or `json` for machines. Without `format` the request's Accept header decides (text/html
 * gets the document), so clients that always read JSON keep working.
 */
export const SarQuery = z.strictObject({ format: z.enum(['html', 'json']).optional() });
export type SarQuery = z.infer<typeof SarQuery>;

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
