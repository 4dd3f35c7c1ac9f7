import { describe, expect, it } from 'vitest';
import {
  CAN,
  CONTROL_ROOM_ROLES,
  GOVERNANCE_ROLES,
  TOPICS,
  type TopicKind,
  isControlRoom,
  isGovernance,
  isInboundKind,
  parseInbound,
  parseTopic,
  parseTopicFilter,
  topics,
} from '../src';

describe('inbound topics and subscription filters', () => {
  it('counts as inbound exactly the topics devices publish', () => {
    const kinds = Object.keys(TOPICS) as TopicKind[];
    expect(kinds.filter(isInboundKind).sort()).toEqual(
      ['alertAck', 'alertClose', 'alertRaise', 'alertReceipt', 'cameraReport', 'evidence', 'galleryApplied'].sort(),
    );
  });

  it('parses a payload with the schema of its own topic kind', () => {
    const topic = parseTopic(topics.alertAck('town', 'a-1'));
    if (topic?.kind !== 'alertAck') throw new Error('not an ack topic');
    const r = parseInbound({ ...topic, kind: topic.kind }, '{"status":"attending"}');
    expect(r).toEqual({
      ok: true,
      message: { kind: 'alertAck', scheme: 'town', params: { alertId: 'a-1' }, payload: { status: 'attending' } },
    });
    const bad = parseInbound({ ...topic, kind: topic.kind }, '{"status":"asleep"}');
    expect(bad.ok).toBe(false);
  });

  it('reads `+` as a parameter of a filter, never of a concrete topic', () => {
    expect(parseTopic('shopwatch/town/zones/+/alerts')).toBeNull();
    expect(parseTopicFilter('shopwatch/town/zones/+/alerts')).toEqual({
      kind: 'zoneAlerts',
      scheme: 'town',
      params: { zone: '+' },
    });
    expect(parseTopicFilter('shopwatch/town/devices/+/cameras/+/status')?.params).toEqual({
      deviceId: '+',
      cameraId: '+',
    });
  });

  it('does not read a filter across schemes, a multi-level wildcard or a partial level', () => {
    expect(parseTopicFilter('shopwatch/+/zones/north/alerts')).toBeNull();
    expect(parseTopicFilter('shopwatch/town/zones/#')).toBeNull();
    expect(parseTopicFilter('shopwatch/town/zones/nor+/alerts')).toBeNull();
    expect(parseTopicFilter('elsewhere/town/zones/north/alerts')).toBeNull();
  });
});

describe('role sets', () => {
  it('names the control room and the gallery governors once, and the permissions follow them', () => {
    expect([...CONTROL_ROOM_ROLES]).toEqual(['admin', 'coordinator', 'operator']);
    expect([...GOVERNANCE_ROLES]).toEqual(['admin', 'coordinator']);
    expect(CAN.review).toEqual([...CONTROL_ROOM_ROLES]);
    expect(CAN.manageGallery).toEqual([...GOVERNANCE_ROLES]);
    expect(['admin', 'coordinator', 'operator', 'warden', 'member', null].map(isControlRoom)).toEqual([
      true,
      true,
      true,
      false,
      false,
      false,
    ]);
    expect(['admin', 'coordinator', 'operator', 'warden', 'member'].map(isGovernance)).toEqual([
      true,
      true,
      false,
      false,
      false,
    ]);
  });
});
