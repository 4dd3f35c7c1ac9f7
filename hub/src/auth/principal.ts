import { type DeviceDuty, type DeviceKind, PLACEMENT, type Role } from '@shopwatch/protocols';
import type { DeviceRecord, SchemeRecord, UserRecord } from '../storage/repository';

/** Who is acting, resolved once from the authenticated connection or token. */
export interface Principal {
  kind: 'device' | 'user';
  id: string;
  scheme: string;
  role: Role | null;
  deviceKind: DeviceKind | null;
  duty: DeviceDuty | null;
  store: string | null;
  /** Zone of the principal's store, if it has one. */
  zone: string | null;
  /** Zones whose alerts it receives; null means every zone of its scheme. */
  zones: string[] | null;
  displayName: string | null;
}

export function devicePrincipal(d: DeviceRecord, scheme: SchemeRecord): Principal {
  const zone = d.store ? (scheme.stores.find((s) => s.id === d.store)?.zone ?? null) : null;
  // PLACEMENT (protocols) is the one table of who belongs to a store and who hears the whole scheme.
  const zones = d.kind === 'edge' ? [] : PLACEMENT.duties[d.duty] === 'store' ? (zone ? [zone] : []) : null;
  return {
    kind: 'device',
    id: d.id,
    scheme: d.scheme,
    role: null,
    deviceKind: d.kind,
    duty: d.duty,
    store: d.store,
    zone,
    zones,
    displayName: d.name,
  };
}

export function userPrincipal(u: UserRecord, scheme: SchemeRecord): Principal {
  const zone = u.store ? (scheme.stores.find((s) => s.id === u.store)?.zone ?? null) : null;
  const zones = PLACEMENT.roles[u.role] === 'store' ? (zone ? [zone] : []) : null;
  return {
    kind: 'user',
    id: u.username,
    scheme: u.scheme,
    role: u.role,
    deviceKind: null,
    duty: null,
    store: u.store,
    zone,
    zones,
    displayName: u.displayName,
  };
}

/** True when the principal receives alerts of `zone` (escalated alerts reach everyone). */
export function seesZone(p: Principal, zone: string, priority = false): boolean {
  if (p.kind === 'device' && p.deviceKind === 'edge') return false;
  return p.zones === null || priority || p.zones.includes(zone);
}
