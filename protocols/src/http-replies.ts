import { z } from 'zod';

/**
 * Small JSON replies of HTTP routes that have no message shape of their own elsewhere; named here
 * so the hub answers with, and the OpenAPI document describes, one shape.
 */

/** `POST /api/logout`. */
export const LogoutReply = z.object({ ok: z.literal(true) });
export type LogoutReply = z.infer<typeof LogoutReply>;

/** `GET /api/edge/time`: the hub's clock, for the clock offset an edge box states in manifests. */
export const HubTime = z.object({ now: z.iso.datetime() });
export type HubTime = z.infer<typeof HubTime>;

/** `GET /api/edge/files/{candidateId}/{name}`: how much of a declared evidence file the hub holds. */
export const UploadState = z.object({
  offset: z.number().int().min(0),
  length: z.number().int().min(0).nullable(),
  complete: z.boolean(),
});
export type UploadState = z.infer<typeof UploadState>;

/** `GET /api/exports/key`: the public half of the hub's export signing key. */
export const SigningKeyInfo = z.object({
  publicKey: z.string().startsWith('ed25519:'),
  fingerprint: z.string(),
  pem: z.string(),
});
export type SigningKeyInfo = z.infer<typeof SigningKeyInfo>;

/** `POST /api/push/subscriptions`: which subscription was saved. */
export const PushSaved = z.object({ endpoint: z.string() });
export type PushSaved = z.infer<typeof PushSaved>;

/** `GET /api/audit/verify`: whether the hash chain, its MACs and its anchor hold. */
export const AuditVerifyResult = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), entries: z.number().int(), anchored: z.boolean() }),
  z.object({ ok: z.literal(false), entries: z.number().int(), brokenAt: z.number().int(), reason: z.string() }),
]);
export type AuditVerifyResult = z.infer<typeof AuditVerifyResult>;
