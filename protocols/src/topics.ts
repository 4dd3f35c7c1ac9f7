import type { z } from 'zod';
import { Ack, AlertEvent, AlertRaise, Close, Receipt } from './alerts';
import { CameraReport, CameraStatus, DeviceError, DeviceStatus } from './devices';
import { EvidenceReport } from './evidence';
import { GalleryApplied, GalleryVersion } from './gallery';
import { LiveRequest } from './live';
import { ReviewEvent } from './review';

/**
 * Every MQTT topic lives under `shopwatch/{scheme}/`. Each topic has one builder here and
 * one payload schema in `TOPICS`; nothing else in the code base writes a topic string.
 */
export const ROOT = 'shopwatch';

const LEVEL = /^[A-Za-z0-9_-]{1,64}$/;
function level(name: string, value: string): string {
  if (!LEVEL.test(value)) throw new Error(`invalid topic level for ${name}: ${JSON.stringify(value)}`);
  return value;
}

/** `shopwatch/{scheme}/devices/{deviceId}/cameras/{cameraId}`, each level checked. */
const cameraRoot = (scheme: string, deviceId: string, cameraId: string) =>
  `${ROOT}/${level('scheme', scheme)}/devices/${level('deviceId', deviceId)}/cameras/${level('cameraId', cameraId)}`;

export const topics = {
  /** device → hub: raise an alert. */
  alertRaise: (scheme: string) => `${ROOT}/${level('scheme', scheme)}/alerts/raise`,
  /** device → hub: confirm receipt of an alert's events. */
  alertReceipt: (scheme: string, alertId: string) =>
    `${ROOT}/${level('scheme', scheme)}/alerts/${level('alertId', alertId)}/receipt`,
  /** device → hub: seen / attending / unable. */
  alertAck: (scheme: string, alertId: string) =>
    `${ROOT}/${level('scheme', scheme)}/alerts/${level('alertId', alertId)}/ack`,
  /** device → hub: close with an outcome. */
  alertClose: (scheme: string, alertId: string) =>
    `${ROOT}/${level('scheme', scheme)}/alerts/${level('alertId', alertId)}/close`,
  /** hub → devices: alert events for one zone. */
  zoneAlerts: (scheme: string, zone: string) =>
    `${ROOT}/${level('scheme', scheme)}/zones/${level('zone', zone)}/alerts`,
  /** hub → anyone allowed: presence, retained. */
  deviceStatus: (scheme: string, deviceId: string) =>
    `${ROOT}/${level('scheme', scheme)}/devices/${level('deviceId', deviceId)}/status`,
  /** hub → one device: why its last message was refused. */
  deviceErrors: (scheme: string, deviceId: string) =>
    `${ROOT}/${level('scheme', scheme)}/devices/${level('deviceId', deviceId)}/errors`,
  /** edge → hub: camera state. */
  cameraReport: (scheme: string, deviceId: string, cameraId: string) =>
    `${cameraRoot(scheme, deviceId, cameraId)}/report`,
  /** hub → control room: validated camera state, retained. */
  cameraStatus: (scheme: string, deviceId: string, cameraId: string) =>
    `${cameraRoot(scheme, deviceId, cameraId)}/status`,
  /** edge → hub: a candidate match or its clip. */
  evidence: (scheme: string, deviceId: string) =>
    `${ROOT}/${level('scheme', scheme)}/devices/${level('deviceId', deviceId)}/evidence`,
  /** edge → hub: the gallery version it now holds. */
  galleryApplied: (scheme: string, deviceId: string) =>
    `${ROOT}/${level('scheme', scheme)}/devices/${level('deviceId', deviceId)}/gallery/applied`,
  /** hub → edge boxes: the current gallery version, retained. */
  galleryVersion: (scheme: string) => `${ROOT}/${level('scheme', scheme)}/gallery/version`,
  /** hub → control room: review queue changes. */
  reviewCandidates: (scheme: string) => `${ROOT}/${level('scheme', scheme)}/review/candidates`,
  /** hub → one edge box: start / stop a live stream, grab a thumbnail. */
  liveRequest: (scheme: string, deviceId: string) =>
    `${ROOT}/${level('scheme', scheme)}/devices/${level('deviceId', deviceId)}/live/request`,
} as const;

export type TopicKind = keyof typeof topics;

/** Direction decides who may publish: devices publish `in` topics, only the hub publishes `out` topics. */
export const TOPICS = {
  alertRaise: { direction: 'in', schema: AlertRaise, pattern: 'alerts/raise' },
  alertReceipt: { direction: 'in', schema: Receipt, pattern: 'alerts/{alertId}/receipt' },
  alertAck: { direction: 'in', schema: Ack, pattern: 'alerts/{alertId}/ack' },
  alertClose: { direction: 'in', schema: Close, pattern: 'alerts/{alertId}/close' },
  cameraReport: { direction: 'in', schema: CameraReport, pattern: 'devices/{deviceId}/cameras/{cameraId}/report' },
  evidence: { direction: 'in', schema: EvidenceReport, pattern: 'devices/{deviceId}/evidence' },
  galleryApplied: { direction: 'in', schema: GalleryApplied, pattern: 'devices/{deviceId}/gallery/applied' },
  zoneAlerts: { direction: 'out', schema: AlertEvent, pattern: 'zones/{zone}/alerts' },
  deviceStatus: { direction: 'out', schema: DeviceStatus, pattern: 'devices/{deviceId}/status', retained: true },
  deviceErrors: { direction: 'out', schema: DeviceError, pattern: 'devices/{deviceId}/errors' },
  cameraStatus: {
    direction: 'out',
    schema: CameraStatus,
    pattern: 'devices/{deviceId}/cameras/{cameraId}/status',
    retained: true,
  },
  galleryVersion: { direction: 'out', schema: GalleryVersion, pattern: 'gallery/version', retained: true },
  reviewCandidates: { direction: 'out', schema: ReviewEvent, pattern: 'review/candidates' },
  liveRequest: { direction: 'out', schema: LiveRequest, pattern: 'devices/{deviceId}/live/request' },
} as const satisfies Record<
  TopicKind,
  { direction: 'in' | 'out'; schema: z.ZodType; pattern: string; retained?: boolean }
>;

export type TopicPayload<K extends TopicKind> = z.infer<(typeof TOPICS)[K]['schema']>;

export interface ParsedTopic {
  kind: TopicKind;
  scheme: string;
  params: Record<string, string>;
}

const compiled = (Object.keys(TOPICS) as TopicKind[]).map((kind) => {
  const parts = TOPICS[kind].pattern.split('/');
  return { kind, parts };
});

/** Recognises a concrete topic (no wildcards). Returns null for anything that is not ours. */
export function parseTopic(topic: string): ParsedTopic | null {
  return matchTopic(topic, false);
}

/**
 * Recognises a subscription filter: like `parseTopic`, but a parameter level may be the
 * single-level wildcard `+` (its param is then `'+'`). A scheme level `+` and any `#` are not
 * recognised: no device may subscribe across schemes or to a whole subtree.
 */
export function parseTopicFilter(filter: string): ParsedTopic | null {
  return matchTopic(filter, true);
}

function matchTopic(topic: string, plusAllowed: boolean): ParsedTopic | null {
  const levels = topic.split('/');
  if (levels.length < 3 || levels[0] !== ROOT || !LEVEL.test(levels[1]!)) return null;
  const rest = levels.slice(2);
  for (const { kind, parts } of compiled) {
    if (parts.length !== rest.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    for (let i = 0; i < parts.length && ok; i++) {
      const p = parts[i]!;
      const v = rest[i]!;
      if (p.startsWith('{')) {
        if (LEVEL.test(v) || (plusAllowed && v === '+')) params[p.slice(1, -1)] = v;
        else ok = false;
      } else ok = p === v;
    }
    if (ok) return { kind, scheme: levels[1]!, params };
  }
  return null;
}

/** True when a topic filter contains MQTT wildcards; publish wrappers refuse such topics. */
export function hasWildcard(topic: string): boolean {
  return topic.includes('+') || topic.includes('#');
}

/** Splits a payload into parsed JSON or a readable reason; never throws. */
export function parsePayload<K extends TopicKind>(
  kind: K,
  payload: Buffer | Uint8Array | string,
): { ok: true; value: TopicPayload<K> } | { ok: false; reason: string } {
  let json: unknown;
  try {
    const text = typeof payload === 'string' ? payload : Buffer.from(payload).toString('utf8');
    json = text.length === 0 ? {} : JSON.parse(text);
  } catch (e) {
    return { ok: false, reason: `malformed JSON: ${(e as Error).message}` };
  }
  const r = TOPICS[kind].schema.safeParse(json);
  if (!r.success) {
    return {
      ok: false,
      reason: r.error.issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`).join('; '),
    };
  }
  return { ok: true, value: r.data as TopicPayload<K> };
}

/** The topics devices publish on (direction `in`); the hub handles each with its own payload type. */
export type InboundKind = { [K in TopicKind]: (typeof TOPICS)[K]['direction'] extends 'in' ? K : never }[TopicKind];

export function isInboundKind(kind: TopicKind): kind is InboundKind {
  return TOPICS[kind].direction === 'in';
}

/** A device's message on an inbound topic, its payload parsed with that topic's schema. */
export interface InboundMessage<K extends InboundKind = InboundKind> {
  kind: K;
  scheme: string;
  params: Record<string, string>;
  payload: TopicPayload<K>;
}

/**
 * Parses a device's payload for an inbound topic. Generic in the kind, so that `kind` and
 * `payload` stay paired: a table of handlers keyed by kind gets each its own payload type.
 */
export function parseInbound<K extends InboundKind>(
  topic: ParsedTopic & { kind: K },
  payload: Buffer | Uint8Array | string,
): { ok: true; message: InboundMessage<K> } | { ok: false; reason: string } {
  const r = parsePayload(topic.kind, payload);
  if (!r.ok) return r;
  return { ok: true, message: { kind: topic.kind, scheme: topic.scheme, params: topic.params, payload: r.value } };
}
