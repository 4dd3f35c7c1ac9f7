import { z } from 'zod';
import { Slug, Timestamp } from './common';
import { AlertRaise, AlertStatus } from './alerts';
import { Role } from './provisioning';

export const LoginRequest = z.strictObject({
  username: z.string().min(1).max(64),
  password: z.string().min(1).max(256),
});
export type LoginRequest = z.infer<typeof LoginRequest>;

export const UserInfo = z.object({
  username: z.string(),
  displayName: z.string().nullable(),
  role: Role,
  scheme: Slug,
  store: Slug.nullable(),
  zone: Slug.nullable(),
});
export type UserInfo = z.infer<typeof UserInfo>;

export const LoginResponse = z.object({
  token: z.string(),
  expiresAt: Timestamp,
  user: UserInfo,
});
export type LoginResponse = z.infer<typeof LoginResponse>;

/** `POST /api/alerts`: same fields as the MQTT raise. */
export const RaiseRequest = AlertRaise;
export type RaiseRequest = z.infer<typeof RaiseRequest>;

/** `GET /api/alerts` query string. */
export const AlertQuery = z.strictObject({
  status: z
    .union([AlertStatus, z.literal('active')])
    .optional()
    .meta({ description: '"active" = open or escalated' }),
  zone: Slug.optional(),
  since: Timestamp.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  /** Where the next page starts: the `X-Next-Cursor` header of the previous page. Opaque. */
  cursor: z.string().min(1).max(200).optional().meta({ description: 'X-Next-Cursor of the previous page' }),
});
export type AlertQuery = z.infer<typeof AlertQuery>;

/** `GET /api/scheme`: the plan the dashboard draws. */
export const SchemeInfo = z.object({
  id: Slug,
  name: z.string(),
  escalationSeconds: z.number().int(),
  zones: z.array(z.object({ id: Slug, name: z.string() })),
  stores: z.array(
    z.object({ id: Slug, name: z.string(), zone: Slug, plan: z.object({ x: z.number(), y: z.number() }).nullable() }),
  ),
});
export type SchemeInfo = z.infer<typeof SchemeInfo>;

export const Health = z.object({
  status: z.enum(['ok', 'starting', 'failing']),
  checks: z.record(z.string(), z.string()),
});
export type Health = z.infer<typeof Health>;
