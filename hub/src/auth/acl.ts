import { type InboundKind, type ParsedTopic, isInboundKind, parseTopic, parseTopicFilter } from '@shopwatch/protocols';
import type { Principal } from './principal';

export type Verdict =
  | { ok: true; topic: ParsedTopic & { kind: InboundKind } }
  | { ok: false; code: 'unknown_topic' | 'forbidden'; reason: string };

const ALERTING = new Set<InboundKind>(['alertRaise', 'alertReceipt', 'alertAck', 'alertClose']);

/**
 * May this device publish on this topic? Devices publish only the scheme's inbound topics;
 * everything the hub publishes (zone alerts, presence, errors) is out of their reach.
 */
export function canPublish(p: Principal, topic: string): Verdict {
  const t = parseTopic(topic);
  if (!t) return { ok: false, code: 'unknown_topic', reason: `unknown topic "${topic}"` };
  if (t.scheme !== p.scheme) {
    const reason = `topic belongs to scheme "${t.scheme}", device is in "${p.scheme}"`;
    return { ok: false, code: 'forbidden', reason };
  }
  const kind = t.kind;
  if (!isInboundKind(kind)) return { ok: false, code: 'forbidden', reason: `only the hub publishes on ${kind} topics` };
  if (ALERTING.has(kind)) {
    if (p.deviceKind === 'edge') {
      const reason = 'edge boxes do not take part in alerts; their matches go to human review';
      return { ok: false, code: 'forbidden', reason };
    }
    return { ok: true, topic: { ...t, kind } };
  }
  // cameraReport, evidence, galleryApplied
  if (p.deviceKind !== 'edge' || t.params.deviceId !== p.id)
    return { ok: false, code: 'forbidden', reason: 'only an edge box reports, and only for itself' };
  return { ok: true, topic: { ...t, kind } };
}

/**
 * May this device subscribe to this filter? Filters are matched level by level against what
 * the device may see: a store device its zone, a control-room or warden device the scheme.
 * A wildcard is allowed only where the device may see every value it stands for.
 */
export function canSubscribe(
  p: Principal,
  filter: string,
  schemeZones: string[],
): { ok: true; zones: string[] } | { ok: false; reason: string } {
  const no = (reason: string) => ({ ok: false as const, reason });
  if (filter.includes('#')) return no('multi-level wildcards are not allowed');
  const t = parseTopicFilter(filter);
  if (!t || t.scheme !== p.scheme) {
    return t ? no(`not in scheme "${p.scheme}"`) : no(`unknown or not allowed topic filter "${filter}"`);
  }
  const wide = p.zones === null;
  const self = (v: string | undefined) => v === p.id;
  // parseTopicFilter lets only a well-formed level or `+` through
  const anyDevice = (v: string | undefined) => wide && v !== undefined;

  switch (t.kind) {
    case 'zoneAlerts': {
      if (p.deviceKind === 'edge') return no('edge boxes do not receive alerts');
      const z = t.params.zone!;
      if (z === '+')
        return wide ? { ok: true, zones: schemeZones } : no('a store device subscribes to its own zone only');
      if (!schemeZones.includes(z)) return no(`unknown zone "${z}"`);
      if (!wide && !p.zones!.includes(z)) return no(`zone "${z}" is not this device's zone`);
      return { ok: true, zones: [z] };
    }
    case 'deviceStatus':
    case 'deviceErrors': {
      const id = t.params.deviceId;
      if (self(id) || (t.kind === 'deviceStatus' && anyDevice(id))) return { ok: true, zones: [] };
      return no('a device sees only its own status and errors');
    }
    case 'cameraStatus':
      if (anyDevice(t.params.deviceId) || self(t.params.deviceId)) return { ok: true, zones: [] };
      return no('camera status is for the control room');
    case 'liveRequest':
      // an edge box follows its own live-view requests, nobody else's
      if (p.deviceKind === 'edge' && self(t.params.deviceId)) return { ok: true, zones: [] };
      return no('live requests are for the edge box they name');
    case 'galleryVersion':
      // edge boxes fetch the gallery when it changes
      return p.deviceKind === 'edge' ? { ok: true, zones: [] } : no('only edge boxes follow the gallery version');
    case 'reviewCandidates':
      return p.duty === 'control-room' && p.deviceKind !== 'edge'
        ? { ok: true, zones: [] }
        : no('the review queue is for the control room');
  }
  return no(`unknown or not allowed topic filter "${filter}"`);
}
