import { z } from 'zod';
import { Ack, AlertEvent, AlertRaise, AlertWithDeliveries, Close } from './alerts';
import { CameraStatus, DeviceStatus } from './devices';
import { ErrorBody } from './errors';
import { UserInfo } from './http';
import { ReviewEvent } from './review';

/**
 * Browser WebSocket at `/ws`. Authenticated by the session cookie sent with a same-origin upgrade,
 * or by a first `hello` message carrying the token; never by a token in the URL (refused, 4001).
 * No valid hello within 5 s closes the socket (4001); more than 20 messages a second are refused
 * (`rate_limited`) and a flood closes it (1008). A second `hello` replaces the first.
 * Every client message may carry an `id`; the hub answers it with `result` or `error` and the same id.
 */
export const WsClientMessage = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('hello'), token: z.string().min(1), id: z.string().max(64).optional() }),
  z.strictObject({ type: z.literal('raise'), raise: AlertRaise, id: z.string().max(64).optional() }),
  z.strictObject({ type: z.literal('ack'), alertId: z.string().min(1), ack: Ack, id: z.string().max(64).optional() }),
  z.strictObject({
    type: z.literal('close'),
    alertId: z.string().min(1),
    close: Close,
    id: z.string().max(64).optional(),
  }),
  z.strictObject({ type: z.literal('ping'), id: z.string().max(64).optional() }),
]);
export type WsClientMessage = z.infer<typeof WsClientMessage>;

export const WsServerMessage = z.discriminatedUnion('type', [
  /** First message after authentication: who you are and the alerts you may see that are still active. */
  z.object({ type: z.literal('welcome'), user: UserInfo, alerts: z.array(AlertWithDeliveries) }),
  z.object({
    type: z.literal('alert'),
    event: AlertEvent,
    /** Devices that should confirm this event (radios, tablets): the console counts receipts against it. */
    recipients: z.array(z.string()).optional(),
  }),
  z.object({ type: z.literal('delivery'), alertId: z.string(), deviceId: z.string(), seq: z.number().int() }),
  z.object({ type: z.literal('device'), status: DeviceStatus }),
  z.object({ type: z.literal('camera'), status: CameraStatus }),
  z.object({ type: z.literal('review'), event: ReviewEvent }),
  z.object({ type: z.literal('result'), id: z.string().optional(), data: z.unknown() }),
  z.object({ type: z.literal('error'), id: z.string().optional(), error: ErrorBody }),
  z.object({ type: z.literal('pong'), id: z.string().optional() }),
]);
export type WsServerMessage = z.infer<typeof WsServerMessage>;
