import { z } from 'zod';
import { Actor, Slug, Timestamp } from './common';

export const AlertType = z.enum([
  'shoplifting',
  'violence',
  'aggression',
  'known-offender',
  'suspicious',
  'gallery-match',
  'other',
]);
export type AlertType = z.infer<typeof AlertType>;

export const Severity = z.enum(['low', 'medium', 'high', 'critical']);
export type Severity = z.infer<typeof Severity>;

export const AckStatus = z.enum(['seen', 'attending', 'unable']);
export type AckStatus = z.infer<typeof AckStatus>;

export const Outcome = z.enum(['all-clear', 'detained', 'left-area', 'false-alarm']);
export type Outcome = z.infer<typeof Outcome>;

export const AlertStatus = z.enum(['open', 'escalated', 'closed']);
export type AlertStatus = z.infer<typeof AlertStatus>;

export const ClientRef = z
  .string()
  .min(1)
  .max(64)
  .meta({ description: 'Chosen by the sender; a retried raise with the same clientRef returns the same alert' });

/** MQTT `shopwatch/{scheme}/alerts/raise`. The sender comes from the connection, never from here. */
export const AlertRaise = z.strictObject({
  type: AlertType,
  severity: Severity,
  message: z.string().max(500).optional(),
  subjectId: z.string().min(1).max(64).optional(),
  clientRef: ClientRef,
  /** Only scheme-wide senders (control room, wardens) name the store; a store device raises for its own store. */
  store: Slug.optional(),
  /** Scheme-wide senders may raise for a whole zone (no store). */
  zone: Slug.optional(),
  /** Scheme-wide senders only: send to every zone at once ("all stores be aware"). */
  priority: z.boolean().optional(),
});
export type AlertRaise = z.infer<typeof AlertRaise>;

/** MQTT `shopwatch/{scheme}/alerts/{alertId}/receipt`. Confirms the events of this alert sent so far. */
export const Receipt = z.looseObject({
  /** Confirm events up to and including this one; all events of the alert sent so far when absent. */
  eventSeq: z.number().int().positive().optional(),
});
export type Receipt = z.infer<typeof Receipt>;

/** MQTT `shopwatch/{scheme}/alerts/{alertId}/ack` and `POST /api/alerts/{id}/ack`. */
export const Ack = z.strictObject({
  status: AckStatus,
  note: z.string().max(500).optional(),
  /** Optional: minutes until the person attending arrives ("2 min"), shown to the store. */
  etaMinutes: z.number().int().min(1).max(120).optional(),
});
export type Ack = z.infer<typeof Ack>;

/** MQTT `shopwatch/{scheme}/alerts/{alertId}/close` and `POST /api/alerts/{id}/close`. */
export const Close = z.strictObject({
  outcome: Outcome,
  note: z.string().max(500).optional(),
});
export type Close = z.infer<typeof Close>;

/** `updated`: more about the same alert, e.g. a confirmed subject seen again ("seen again at …"). */
export const TimelineKind = z.enum(['raised', 'acknowledged', 'escalated', 'closed', 'updated']);
export type TimelineKind = z.infer<typeof TimelineKind>;

export const TimelineEntry = z.object({
  seq: z.number().int().positive().meta({ description: 'Hub-wide event number; increases with time' }),
  kind: TimelineKind,
  at: Timestamp,
  actor: Actor,
  status: AckStatus.optional(),
  outcome: Outcome.optional(),
  note: z.string().optional(),
  /** The acting person's or device's display name when it had one at the time. */
  actorName: z.string().optional(),
  /** Acknowledgements: minutes until the person attending arrives, counted from `at`. */
  etaMinutes: z.number().int().optional(),
});
export type TimelineEntry = z.infer<typeof TimelineEntry>;

/** An exclusion notice covering the alert's store, as far as staff need it on the card. */
export const MatchExclusion = z.object({
  id: z.string(),
  stores: z.array(Slug),
  zones: z.array(Slug),
  startsAt: Timestamp,
  endsAt: Timestamp,
  appealRoute: z.string(),
});
export type MatchExclusion = z.infer<typeof MatchExclusion>;

/**
 * What staff can act on when an alert is about a gallery subject (a confirmed match, or a
 * "known offender" raised by hand). Pictures are referenced, never embedded: each URL is an
 * authenticated API path, and every fetch is authorised against the alert and audited.
 */
export const AlertMatch = z.object({
  subjectId: z.string(),
  alias: z.string(),
  reason: z.string(),
  /** `GET` it with the bearer token: the subject's gallery photo; null when the subject has none. */
  photoUrl: z.string().nullable(),
  /** `GET` it with the bearer token: the confirmed camera crop; null for an alert raised by hand. */
  cropUrl: z.string().nullable(),
  /** The review case (gallery matches only). */
  caseId: z.string().nullable(),
  candidateId: z.string().nullable(),
  cameraId: z.string().nullable(),
  /** When the camera saw the subject (gallery matches only). */
  seenAt: Timestamp.nullable(),
  exclusions: z.array(MatchExclusion),
  /** For radios, which cannot show pictures: alias, place and reason in one short line. */
  text: z.string(),
  /** Authenticated JSON of this reference (audited), for programs: `GET` it with the bearer token. */
  url: z.string(),
  /**
   * What a person opens on a phone: the field app's card of this alert, `/a/{alertId}` on the
   * hub's address. It asks for sign-in first when needed, then shows the card with its pictures.
   */
  cardUrl: z.string(),
});
export type AlertMatch = z.infer<typeof AlertMatch>;

export const Alert = z.object({
  id: z.string(),
  scheme: Slug,
  zone: Slug,
  store: Slug.nullable(),
  type: AlertType,
  severity: Severity,
  message: z.string().nullable(),
  subjectId: z.string().nullable(),
  clientRef: z.string(),
  raisedBy: Actor,
  raisedAt: Timestamp,
  status: AlertStatus,
  /** Set while the alert waits for someone attending; null once attended, escalated or closed. */
  escalatesAt: Timestamp.nullable(),
  /** Escalated alerts go to every zone of the scheme, with priority. */
  priority: z.boolean(),
  closedAt: Timestamp.nullable(),
  outcome: Outcome.nullable(),
  timeline: z.array(TimelineEntry),
  /** Only on alerts about a gallery subject; absent otherwise (older clients ignore it). */
  match: AlertMatch.optional(),
});
export type Alert = z.infer<typeof Alert>;

export const AlertEventKind = z.enum(['raised', 'acknowledged', 'escalated', 'closed', 'updated']);
export type AlertEventKind = z.infer<typeof AlertEventKind>;

/** MQTT `shopwatch/{scheme}/zones/{zone}/alerts` and the browser WebSocket. */
export const AlertEvent = z.object({
  event: AlertEventKind,
  /** Same as the timeline entry's seq: receipts and de-duplication use it. */
  seq: z.number().int().positive(),
  at: Timestamp,
  /** True when this copy is a catch-up of an event the device missed. */
  replay: z.boolean().optional(),
  alert: Alert,
});
export type AlertEvent = z.infer<typeof AlertEvent>;

/** Who has confirmed receipt of an alert's events, for the control room's "who received it". */
export const Delivery = z.object({
  deviceId: z.string(),
  lastSeq: z.number().int(),
  at: Timestamp,
});
export type Delivery = z.infer<typeof Delivery>;

export const AlertWithDeliveries = Alert.extend({
  deliveries: z.array(Delivery),
  /** Devices that should have received the latest event but have not confirmed it. */
  undelivered: z.array(z.string()),
});
export type AlertWithDeliveries = z.infer<typeof AlertWithDeliveries>;
