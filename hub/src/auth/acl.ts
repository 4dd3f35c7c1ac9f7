import { ROOT, type ParsedTopic, parseTopic } from '@shopwatch/protocols';
import type { Principal } from './principal';

export type Verdict =
  | { ok: true; topic: ParsedTopic }
  | { ok: false; code: 'unknown_topic' | 'forbidden'; reason: string };

/**
 * May this device publish on this topic? Devices publish only the scheme's inbound topics;
 * everything the hub publishes (zone alerts, presence, errors) is out of their reach.
 */
export function canPublish(p: Principal, topic: string): Verdict {
  const t = parseTopic(topic);
  if (!t) return { ok: false, code: 'unknown_topic', reason: `unknown topic "${topic}"` };
  if (t.scheme !== p.scheme)
    return {
      ok: false,
      code: 'forbidden',
      reason: `topic belongs to scheme "${t.scheme}", device is in "${p.scheme}"`,
    };
  switch (t.kind) {
    case 'alertRaise':
    case 'alertReceipt':
    case 'alertAck':
    case 'alertClose':
      if (p.deviceKind === 'edge')
        return {
          ok: false,
          code: 'forbidden',
          reason: 'edge boxes do not take part in alerts; their matches go to human review',
        };
      return { ok: true, topic: t };
    case 'cameraReport':
    case 'evidence':
    case 'galleryApplied':
      if (p.deviceKind !== 'edge' || t.params.deviceId !== p.id)
        return { ok: false, code: 'forbidden', reason: 'only an edge box reports, and only for itself' };
      return { ok: true, topic: t };
    default:
      return { ok: false, code: 'forbidden', reason: `only the hub publishes on ${t.kind} topics` };
  }
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
  const lv = filter.split('/');
  const no = (reason: string) => ({ ok: false as const, reason });
  if (filter.includes('#')) return no('multi-level wildcards are not allowed');
  if (lv[0] !== ROOT || lv[1] !== p.scheme) return no(`not in scheme "${p.scheme}"`);
  const rest = lv.slice(2);
  const wide = p.zones === null;
  const self = (v: string | undefined) => v === p.id;
  const anyDevice = (v: string | undefined) =>
    wide && v !== undefined && (v === '+' || /^[A-Za-z0-9_-]{1,64}$/.test(v));

  // zones/{zone}/alerts
  if (rest.length === 3 && rest[0] === 'zones' && rest[2] === 'alerts') {
    if (p.deviceKind === 'edge') return no('edge boxes do not receive alerts');
    const z = rest[1]!;
    if (z === '+')
      return wide ? { ok: true, zones: schemeZones } : no('a store device subscribes to its own zone only');
    if (!schemeZones.includes(z)) return no(`unknown zone "${z}"`);
    if (!wide && !p.zones!.includes(z)) return no(`zone "${z}" is not this device's zone`);
    return { ok: true, zones: [z] };
  }
  // devices/{id}/status and devices/{id}/errors
  if (rest.length === 3 && rest[0] === 'devices' && (rest[2] === 'status' || rest[2] === 'errors')) {
    if (self(rest[1]) || (rest[2] === 'status' && anyDevice(rest[1]))) return { ok: true, zones: [] };
    return no('a device sees only its own status and errors');
  }
  // devices/{id}/cameras/{camera}/status
  if (rest.length === 5 && rest[0] === 'devices' && rest[2] === 'cameras' && rest[4] === 'status') {
    if (anyDevice(rest[1]) || self(rest[1])) return { ok: true, zones: [] };
    return no('camera status is for the control room');
  }
  // devices/{id}/live/request: an edge box follows its own live-view requests, nobody else's
  if (rest.length === 4 && rest[0] === 'devices' && rest[2] === 'live' && rest[3] === 'request') {
    if (p.deviceKind === 'edge' && self(rest[1])) return { ok: true, zones: [] };
    return no('live requests are for the edge box they name');
  }
  // gallery/version: edge boxes fetch the gallery when it changes
  if (rest.length === 2 && rest[0] === 'gallery' && rest[1] === 'version') {
    return p.deviceKind === 'edge' ? { ok: true, zones: [] } : no('only edge boxes follow the gallery version');
  }
  // review/candidates: the control room's review queue
  if (rest.length === 2 && rest[0] === 'review' && rest[1] === 'candidates') {
    return p.duty === 'control-room' && p.deviceKind !== 'edge'
      ? { ok: true, zones: [] }
      : no('the review queue is for the control room');
  }
  return no(`unknown or not allowed topic filter "${filter}"`);
}
