import { z } from 'zod';

/** Every refusal, on every interface, carries one of these codes. */
export const ErrorCode = z.enum([
  'bad_request', // malformed JSON, wrong types, unknown fields
  'payload_too_large',
  'unauthenticated', // no or bad credentials / token
  'forbidden', // authenticated, but the role or scope does not allow it
  'not_found',
  'conflict', // e.g. closing an alert that is already closed
  'gone', // existed and was removed for good, e.g. evidence of a rejected or expired candidate
  'rate_limited',
  'unsupported_media_type', // the bytes are not of a type this endpoint takes (sniffed, not named)
  'quota_exceeded', // the sender holds as much as it may; retry once some is released
  'unknown_topic',
  'unavailable',
  'internal',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

/** The body of every HTTP error, and the `error` message on the browser WebSocket. */
export const ErrorBody = z.object({
  code: ErrorCode,
  message: z.string(),
  /** For validation errors: the path of each bad field and what is wrong with it. */
  issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  /** For a refused gallery photo: the faces found (boxes in photo pixels) and the photo's size. */
  faces: z
    .object({
      width: z.number().int(),
      height: z.number().int(),
      boxes: z.array(z.object({ x: z.number(), y: z.number(), w: z.number(), h: z.number(), score: z.number() })),
    })
    .optional(),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

export const HTTP_STATUS: Record<ErrorCode, number> = {
  bad_request: 400,
  payload_too_large: 413,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  gone: 410,
  rate_limited: 429,
  unsupported_media_type: 415,
  quota_exceeded: 507,
  unknown_topic: 400,
  unavailable: 503,
  internal: 500,
};

/** Turns zod issues into `{ path: "a.b.0", message }` pairs that name the bad field. */
export function describeIssues(issues: readonly { path: readonly PropertyKey[]; message: string }[]) {
  return issues.map((i) => ({ path: i.path.map(String).join('.') || '(root)', message: i.message }));
}
