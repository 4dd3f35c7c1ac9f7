import { describe, expect, it } from 'vitest';
import { canPublish, canSubscribe } from '../src/auth/acl';
import type { Principal } from '../src/auth/principal';

// The ACL as data: who may publish and subscribe where.
const base = { kind: 'device', scheme: 'town', role: null, displayName: null } as const;
const store: Principal = {
  ...base,
  id: 'r1',
  deviceKind: 'radio',
  duty: 'store',
  store: 'boots',
  zone: 'north',
  zones: ['north'],
};
const control: Principal = {
  ...base,
  id: 'cr',
  deviceKind: 'tablet',
  duty: 'control-room',
  store: null,
  zone: null,
  zones: null,
};
const edge: Principal = {
  ...base,
  id: 'e1',
  deviceKind: 'edge',
  duty: 'store',
  store: 'boots',
  zone: 'north',
  zones: [],
};
const zones = ['north', 'south'];

describe('ACL rules', () => {
  it.each([
    [store, 'shopwatch/town/alerts/raise', true],
    [store, 'shopwatch/town/alerts/abc/ack', true],
    [store, 'shopwatch/city/alerts/raise', false],
    [store, 'shopwatch/town/zones/north/alerts', false],
    [store, 'shopwatch/town/devices/r1/status', false],
    [edge, 'shopwatch/town/alerts/raise', false],
    [edge, 'shopwatch/town/devices/e1/cameras/cam-1/report', true],
    [edge, 'shopwatch/town/devices/e2/cameras/cam-1/report', false],
    [control, 'shopwatch/town/devices/cr/cameras/x/report', false],
    [control, '$SYS/broker/uptime', false],
  ])('publish %#: %s on %s → %s', (p, topic, ok) => {
    expect(canPublish(p, topic).ok).toBe(ok);
  });

  it.each([
    [store, 'shopwatch/town/zones/north/alerts', true],
    [store, 'shopwatch/town/zones/south/alerts', false],
    [store, 'shopwatch/town/zones/+/alerts', false],
    [store, 'shopwatch/town/zones/east/alerts', false],
    [store, 'shopwatch/town/devices/r1/errors', true],
    [store, 'shopwatch/town/devices/r2/errors', false],
    [store, 'shopwatch/town/devices/+/status', false],
    [control, 'shopwatch/town/zones/+/alerts', true],
    [control, 'shopwatch/town/devices/+/status', true],
    [control, 'shopwatch/town/devices/+/cameras/+/status', true],
    [control, 'shopwatch/town/devices/+/errors', false],
    [control, 'shopwatch/town/#', false],
    [control, 'shopwatch/+/zones/+/alerts', false],
    [control, '#', false],
    [edge, 'shopwatch/town/zones/north/alerts', false],
    [edge, 'shopwatch/town/devices/e1/errors', true],
  ])('subscribe %#: %s to %s → %s', (p, filter, ok) => {
    expect(canSubscribe(p, filter, zones).ok).toBe(ok);
  });
});
