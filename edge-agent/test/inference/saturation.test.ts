import { describe, expect, it } from 'vitest';
import type { LocalCameraStatus } from '../../src/camera/watchdog';
import { SaturationReporter } from '../../src/inference/saturation';

const online = (cameraId: string): LocalCameraStatus => ({
  cameraId,
  name: cameraId,
  status: 'online',
  reason: null,
  since: '2026-11-30T08:00:00.000Z',
});

describe('saturation shown on the camera status', () => {
  it('reports a camera whose frames are skipped, once, and again when it keeps up', () => {
    const sat = new SaturationReporter(10);
    const statuses = new Map([
      ['a', online('a')],
      ['b', online('b')],
    ]);
    expect(sat.check({}, statuses)).toEqual([]);
    const first = sat.check({ a: 12 }, statuses);
    expect(first.map((s) => [s.cameraId, s.status, s.reason])).toEqual([
      ['a', 'online', 'inference saturated: 12 frames skipped in the last 10 s (see health.json)'],
    ]);
    expect(sat.check({ a: 20 }, statuses)).toEqual([]); // still saturated: no new message
    expect(sat.check({ a: 20 }, statuses).map((s) => [s.cameraId, s.reason])).toEqual([['a', null]]);
  });

  it("leaves an offline camera's own reason alone", () => {
    const sat = new SaturationReporter(10);
    const statuses = new Map([['a', { ...online('a'), status: 'offline' as const, reason: 'no frames for 10 s' }]]);
    expect(sat.check({ a: 5 }, statuses)).toEqual([]);
  });
});
