import { z } from 'zod';
import { AlertEventKind, Severity } from './alerts';

/**
 * Web Push (RFC 8030) for the field app: the browser's push subscription, the hub's VAPID key
 * (RFC 8292) and the JSON the hub encrypts (RFC 8291) into each push message.
 */

const LOOPBACK = new Set(['127.0.0.1', '[::1]', 'localhost']);

/** True for a push service URL the hub may POST to: https anywhere, plain http only on loopback. */
export function isAllowedPushEndpoint(raw: string): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  if (url.username || url.password) return false;
  return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.has(url.hostname));
}

const base64url = (bytes: number) =>
  z
    .string()
    .regex(/^[A-Za-z0-9_-]+={0,2}$/, 'must be base64url')
    // Length arithmetic instead of Buffer: this module also runs in the browser.
    .refine((s) => Math.floor((s.replace(/=+$/, '').length * 3) / 4) === bytes, `must decode to ${bytes} bytes`);

/** `POST /api/push/subscriptions`: what `PushSubscription.toJSON()` gives, plus a device label. */
export const PushSubscriptionRequest = z.strictObject({
  endpoint: z.string().max(1024).refine(isAllowedPushEndpoint, 'must be an https URL (plain http only on loopback)'),
  expirationTime: z.number().nullable().optional(),
  keys: z.strictObject({
    /** The browser's ECDH P-256 public key, uncompressed (65 bytes). */
    p256dh: base64url(65).refine((s) => s.startsWith('B'), 'must be an uncompressed P-256 point (0x04 …)'),
    /** The 16-byte authentication secret (RFC 8291 section 3.2). */
    auth: base64url(16),
  }),
  /** Shown to the user in a list of their devices, e.g. "Pixel 8 (Chrome)". */
  device: z.string().max(100).optional(),
});
export type PushSubscriptionRequest = z.infer<typeof PushSubscriptionRequest>;

/** `DELETE /api/push/subscriptions`: the browser drops its subscription on sign-out. */
export const PushUnsubscribeRequest = z.strictObject({ endpoint: z.string().min(1).max(1024) });
export type PushUnsubscribeRequest = z.infer<typeof PushUnsubscribeRequest>;

/** `GET /api/push/key`: the application server key for `pushManager.subscribe()`. */
export const PushKey = z.object({
  publicKey: z.string().meta({ description: 'VAPID public key, base64url, uncompressed P-256 point' }),
});
export type PushKey = z.infer<typeof PushKey>;

/** The decrypted body of every push message; the service worker turns it into a notification. */
export const PushMessage = z.object({
  alertId: z.string(),
  event: AlertEventKind,
  seq: z.number().int().positive(),
  severity: Severity,
  title: z.string().max(120),
  body: z.string().max(300),
  /** Path of the alert card in the field app; the notification opens it. */
  url: z.string().startsWith('/'),
});
export type PushMessage = z.infer<typeof PushMessage>;
