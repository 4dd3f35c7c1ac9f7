import { TOPICS, type TopicKind } from '../topics';
import { jsonSchema } from './json-schema';

const DESCRIPTIONS: Record<TopicKind, { op: string; summary: string }> = {
  alertRaise: {
    op: 'raiseAlert',
    summary:
      "Raise an alert for the device's store. The sender is the authenticated device; a retried raise with " +
      'the same clientRef is the same alert. PUBACK means it is stored.',
  },
  alertReceipt: {
    op: 'confirmReceipt',
    summary:
      "Confirm receipt of an alert's events (all sent so far, or up to eventSeq). Until confirmed, an event " +
      'counts as undelivered and is sent again on the next catch-up.',
  },
  alertAck: { op: 'acknowledgeAlert', summary: 'Seen / attending / unable. "attending" stops escalation.' },
  alertClose: {
    op: 'closeAlert',
    summary: "Close an alert with an outcome. A store device closes only its own store's alerts.",
  },
  cameraReport: { op: 'reportCamera', summary: 'Edge box only: the state of one of its cameras.' },
  zoneAlerts: {
    op: 'receiveZoneAlerts',
    summary:
      'Alert events of a zone (raised, acknowledged, escalated, closed). Escalated alerts are sent on every ' +
      'zone topic. On (re)subscription the hub sends this device alone every event it has not receipted, ' +
      'oldest first, with "replay": true.',
  },
  deviceStatus: {
    op: 'receiveDeviceStatus',
    summary:
      'Presence, retained: online while the device is connected, offline with last seen after it disconnects ' +
      'or misses its keep-alive.',
  },
  deviceErrors: {
    op: 'receiveErrors',
    summary:
      "Why the hub refused this device's last message (bad JSON, wrong fields, forbidden or unknown topic). " +
      'The refused message was acknowledged and dropped.',
  },
  evidence: {
    op: 'reportEvidence',
    summary:
      'Edge box only, its own id: a candidate gallery match (crop and frame uploaded over HTTP, hashes here) ' +
      'or, after the post-roll, its clip. Stored as pending for a human reviewer; nothing reaches stores ' +
      'before a reviewer confirms.',
  },
  galleryApplied: {
    op: 'reportGalleryApplied',
    summary: 'Edge box only: the gallery version it now holds in memory and on disk (confirms purges).',
  },
  galleryVersion: {
    op: 'receiveGalleryVersion',
    summary: 'Edge boxes: the scheme gallery version, retained; fetch GET /api/edge/gallery when it changes.',
  },
  reviewCandidates: {
    op: 'receiveReviewQueue',
    summary: 'Control room: review queue changes (pending, updated, claimed, decided, expired).',
  },
  cameraStatus: { op: 'receiveCameraStatus', summary: 'Control room: validated camera state, retained.' },
  liveRequest: {
    op: 'receiveLiveRequest',
    summary:
      'Edge box only, its own id: start or stop a live stream of a camera (stream copy to fMP4, sent on the ' +
      'WebSocket /live/edge?stream={streamId}), or grab one JPEG thumbnail and send it there.',
  },
};

const PARAMS: Record<string, string> = {
  scheme: 'Scheme id from the provisioning file',
  zone: 'Zone id',
  alertId: 'Alert id from an alert event',
  deviceId: 'Device id (the MQTT username)',
  cameraId: 'Camera id in the edge box configuration',
};

/** The AsyncAPI 3 document of the MQTT interface, from the device's point of view. */
export function asyncApiDocument() {
  const channels: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  const messages: Record<string, unknown> = {};
  const schemas: Record<string, unknown> = {};
  for (const kind of Object.keys(TOPICS) as TopicKind[]) {
    const t = TOPICS[kind];
    const address = `shopwatch/{scheme}/${t.pattern}`;
    const params = [...address.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
    const name = `${kind[0]!.toUpperCase()}${kind.slice(1)}`;
    schemas[name] = jsonSchema(t.schema, t.direction === 'in' ? 'input' : 'output');
    messages[name] = { name, contentType: 'application/json', payload: { $ref: `#/components/schemas/${name}` } };
    channels[kind] = {
      address,
      parameters: Object.fromEntries(params.map((p) => [p, { description: PARAMS[p] ?? p }])),
      messages: { [name]: { $ref: `#/components/messages/${name}` } },
      ...('retained' in t && t.retained ? { bindings: { mqtt: { retain: true } } } : {}),
    };
    operations[DESCRIPTIONS[kind].op] = {
      action: t.direction === 'in' ? 'send' : 'receive',
      channel: { $ref: `#/channels/${kind}` },
      summary: DESCRIPTIONS[kind].summary,
      messages: [{ $ref: `#/channels/${kind}/messages/${name}` }],
      // Alert events go out at QoS 0: receipts and the replay from storage make them reliable.
      bindings: { mqtt: { qos: kind === 'zoneAlerts' ? 0 : 1 } },
    };
  }
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'ShopWatch hub — MQTT interface',
      version: '1.0.0',
      description:
        'Devices (store radios, tablets, edge boxes) connect with username = device id, password = device ' +
        'secret and client id = device id or "{device id}:{suffix}". They publish only the "send" channels ' +
        'and may subscribe only to what their duty allows: a store device its zone, a control-room or ' +
        'warden device the whole scheme. Generated from protocols/src; do not edit by hand.',
    },
    defaultContentType: 'application/json',
    servers: {
      tcp: { host: 'localhost:1883', protocol: 'mqtt', protocolVersion: '3.1.1', description: 'SHOPWATCH_MQTT_PORT' },
      websocket: {
        host: 'localhost:8080',
        pathname: '/mqtt',
        protocol: 'ws',
        description: 'MQTT over WebSocket on SHOPWATCH_HTTP_PORT, subprotocol "mqtt"',
      },
    },
    channels,
    operations,
    components: { messages, schemas },
  };
}
