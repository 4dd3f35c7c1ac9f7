import type { AlertEvent, AlertWithDeliveries, SchemeInfo } from '@shopwatch/protocols';
import { describe, expect, it } from 'vitest';
import { byUrgency } from '../src/console/alerts-screen';
import { type Box, layoutPlan } from '../src/console/plan-layout';
import { type AlertView, Store } from '../src/core/store';
import { acknowledgements } from '../src/core/labels';

const scheme = (
  stores: SchemeInfo['stores'],
  zones = [
    { id: 'north', name: 'North' },
    { id: 'south', name: 'South' },
  ],
): SchemeInfo => ({
  id: 'town',
  name: 'Town',
  escalationSeconds: 60,
  zones,
  stores,
});
const inside = (a: Box, b: Box) => a.x >= b.x && a.y >= b.y && a.x + a.w <= b.x + b.w && a.y + a.h <= b.y + b.h;
const overlap = (a: Box, b: Box) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

function alert(over: Partial<AlertWithDeliveries> = {}): AlertWithDeliveries {
  return {
    id: 'a1',
    scheme: 'town',
    zone: 'north',
    store: 'boots',
    type: 'shoplifting',
    severity: 'medium',
    message: null,
    subjectId: null,
    clientRef: 'r1',
    raisedBy: { kind: 'user', id: 'boots-staff' },
    raisedAt: '2026-11-22T10:00:00.000Z',
    status: 'open',
    escalatesAt: '2026-11-22T10:01:00.000Z',
    priority: false,
    closedAt: null,
    outcome: null,
    timeline: [{ seq: 1, kind: 'raised', at: '2026-11-22T10:00:00.000Z', actor: { kind: 'user', id: 'boots-staff' } }],
    deliveries: [],
    undelivered: ['radio-boots'],
    ...over,
  };
}

describe('plan layout', () => {
  const many = Array.from({ length: 9 }, (_, i) => ({
    id: `s${i}`,
    name: `Store ${i}`,
    zone: i % 3 ? 'north' : 'south',
    plan: null,
  }));

  for (const narrow of [false, true]) {
    it(`puts every store inside its own zone without overlaps (${narrow ? 'phone' : 'desktop'})`, () => {
      const l = layoutPlan(scheme(many), narrow);
      expect(l.stores).toHaveLength(9);
      for (const st of l.stores) {
        expect(inside(st.box, l.zones.find((z) => z.id === st.zone)!.box)).toBe(true);
        expect(st.box.x + st.box.w).toBeLessThanOrEqual(l.width);
        expect(st.box.y + st.box.h).toBeLessThanOrEqual(l.height);
      }
      for (const a of l.stores) for (const b of l.stores) if (a !== b) expect(overlap(a.box, b.box)).toBe(false);
      for (const a of l.zones) for (const b of l.zones) if (a !== b) expect(overlap(a.box, b.box)).toBe(false);
    });
  }

  it('places stores where the provisioning file says when every store has a position', () => {
    const l = layoutPlan(
      scheme([
        { id: 'a', name: 'A', zone: 'north', plan: { x: 0, y: 0 } },
        { id: 'b', name: 'B', zone: 'south', plan: { x: 100, y: 100 } },
      ]),
    );
    const [a, b] = l.stores;
    expect(a!.box.x).toBeLessThan(b!.box.x);
    expect(a!.box.y).toBeLessThan(b!.box.y);
    expect(inside(a!.box, l.zones[0]!.box)).toBe(true);
  });
});

describe('alert state', () => {
  it('ignores a duplicate or older copy of an event', () => {
    const store = new Store();
    store.mergeAlerts([alert()]);
    const newer = alert({
      timeline: [
        ...alert().timeline,
        {
          seq: 5,
          kind: 'acknowledged',
          status: 'attending',
          at: '2026-11-22T10:00:10.000Z',
          actor: { kind: 'user', id: 'warden' },
        },
      ],
      escalatesAt: null,
    });
    const e: AlertEvent = { event: 'acknowledged', seq: 5, at: '2026-11-22T10:00:10.000Z', alert: newer };
    expect(store.applyEvent(e)).toBe(true);
    expect(store.applyEvent(e)).toBe(false);
    expect(store.applyEvent({ event: 'raised', seq: 1, at: alert().raisedAt, alert: alert() })).toBe(false);
    expect(store.get().alerts.get('a1')!.escalatesAt).toBeNull();
  });

  it('keeps receipts across events and marks recipients as owing the new one', () => {
    const store = new Store();
    store.mergeAlerts([alert()]);
    store.applyDelivery('a1', 'radio-boots', 1);
    expect(store.get().alerts.get('a1')!.undelivered).toEqual([]);
    const next = alert({
      timeline: [
        ...alert().timeline,
        {
          seq: 2,
          kind: 'acknowledged',
          status: 'seen',
          at: '2026-11-22T10:00:05.000Z',
          actor: { kind: 'user', id: 'warden' },
        },
      ],
    });
    store.applyEvent({ event: 'acknowledged', seq: 2, at: '2026-11-22T10:00:05.000Z', alert: next });
    const a = store.get().alerts.get('a1')!;
    expect(a.deliveries.map((d) => d.deviceId)).toEqual(['radio-boots']);
    expect(a.undelivered).toEqual(['radio-boots']);
  });

  it('marks alerts that first arrive in a catch-up as missed', () => {
    const store = new Store();
    expect(store.mergeAlerts([alert()], { missed: true })).toEqual(['a1']);
    expect(store.get().alerts.get('a1')!.missed).toBe(true);
    store.clearMissed('a1');
    expect(store.get().alerts.get('a1')!.missed).toBe(false);
  });

  it('orders active before closed, then by severity, then escalated / unattended / attended, then age', () => {
    const v = (id: string, over: Partial<AlertWithDeliveries>): AlertView => ({
      ...alert({ id, ...over }),
      missed: false,
      heardAt: 0,
    });
    const list = [
      v('closed', { status: 'closed', escalatesAt: null, closedAt: '2026-11-22T10:05:00.000Z' }),
      v('attended-critical', { severity: 'critical', escalatesAt: null }),
      v('open-low', { severity: 'low' }),
      v('open-high', { severity: 'high' }),
      v('escalated', { status: 'escalated', escalatesAt: null, priority: true }),
    ].sort(byUrgency);
    // Issue 12: an attended critical alert never sinks under an escalated medium one.
    expect(list.map((a) => a.id)).toEqual(['attended-critical', 'open-high', 'escalated', 'open-low', 'closed']);
    const same = [
      v('attended', { escalatesAt: null }),
      v('older', { raisedAt: '2026-11-22T09:00:00.000Z' }),
      v('newer', { raisedAt: '2026-11-22T10:30:00.000Z' }),
      v('escalated', { status: 'escalated', escalatesAt: null }),
    ].sort(byUrgency);
    expect(same.map((a) => a.id)).toEqual(['escalated', 'newer', 'older', 'attended']);
  });

  it('names the person acknowledging by display name, with the ETA they gave', () => {
    const acked = alert({
      timeline: [
        ...alert().timeline,
        {
          seq: 2,
          kind: 'acknowledged',
          status: 'attending',
          at: '2026-11-22T10:00:05.000Z',
          actor: { kind: 'user', id: 'warden' },
          actorName: 'Sam Patel',
          etaMinutes: 2,
        },
        {
          seq: 3,
          kind: 'acknowledged',
          status: 'seen',
          at: '2026-11-22T10:00:06.000Z',
          actor: { kind: 'device', id: 'radio-coop' },
        },
      ],
    });
    expect(acknowledgements(acked).map((k) => [k.who, k.label])).toEqual([
      ['warden', 'Sam Patel (ETA 2 min)'],
      ['radio-coop', 'radio-coop'],
    ]);
  });
});
