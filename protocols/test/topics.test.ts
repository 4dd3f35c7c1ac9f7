import { describe, expect, it } from 'vitest';
import { Provisioning, parsePayload, parseTopic, topics } from '../src';

describe('topic builders and parser', () => {
  it.each([
    [topics.alertRaise('town'), { kind: 'alertRaise', scheme: 'town', params: {} }],
    [topics.alertAck('town', 'a-1'), { kind: 'alertAck', scheme: 'town', params: { alertId: 'a-1' } }],
    [topics.alertReceipt('town', 'a-1'), { kind: 'alertReceipt', scheme: 'town', params: { alertId: 'a-1' } }],
    [topics.zoneAlerts('town', 'north'), { kind: 'zoneAlerts', scheme: 'town', params: { zone: 'north' } }],
    [
      topics.cameraReport('town', 'edge-1', 'cam_2'),
      { kind: 'cameraReport', scheme: 'town', params: { deviceId: 'edge-1', cameraId: 'cam_2' } },
    ],
  ])('%s parses back to its kind and parameters', (topic, parsed) => {
    expect(parseTopic(topic)).toEqual(parsed);
  });

  it('builds the topics the contract names', () => {
    expect(topics.alertRaise('s')).toBe('shopwatch/s/alerts/raise');
    expect(topics.zoneAlerts('s', 'z')).toBe('shopwatch/s/zones/z/alerts');
    expect(topics.alertReceipt('s', 'a')).toBe('shopwatch/s/alerts/a/receipt');
    expect(topics.alertAck('s', 'a')).toBe('shopwatch/s/alerts/a/ack');
    expect(topics.deviceStatus('s', 'd')).toBe('shopwatch/s/devices/d/status');
  });

  it('refuses to build a topic with a wildcard or separator in a level', () => {
    expect(() => topics.zoneAlerts('town', '+')).toThrow(/invalid topic level/);
    expect(() => topics.zoneAlerts('town', '#')).toThrow(/invalid topic level/);
    expect(() => topics.alertAck('town', 'a/b')).toThrow(/invalid topic level/);
    expect(() => topics.alertRaise('')).toThrow(/invalid topic level/);
  });

  it.each([
    'shopwatch',
    'shopwatch/town',
    'shopwatch/town/alerts',
    'shopwatch/town/alerts/raise/extra',
    'other/town/alerts/raise',
    'shopwatch/town/zones/+/alerts',
    'shopwatch/to wn/alerts/raise',
  ])('does not recognise %s', (t) => expect(parseTopic(t)).toBeNull());

  it('explains bad payloads instead of throwing', () => {
    expect(parsePayload('alertRaise', Buffer.from('{'))).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/malformed JSON/),
    });
    expect(parsePayload('alertRaise', '{"type":"shoplifting","severity":"loud","clientRef":"x"}')).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^severity:/),
    });
    expect(parsePayload('alertReceipt', '')).toEqual({ ok: true, value: {} });
    expect(parsePayload('alertAck', '{"status":"attending"}')).toEqual({ ok: true, value: { status: 'attending' } });
  });

  it('has no special-category fields anywhere in provisioning', () => {
    const r = Provisioning.safeParse({ schemes: [], users: [], devices: [], ethnicity: [] });
    expect(r.success).toBe(false);
  });
});
