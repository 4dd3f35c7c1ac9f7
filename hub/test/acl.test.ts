import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mqtt from 'mqtt';
import { TOPICS, parseTopic, topics } from '@shopwatch/protocols';
import { login, startTestHub } from './support/hub';
import { TestDevice, grantedCodes, sleep } from './support/mqtt';

describe('MQTT access control and bad input', () => {
  let hub: Awaited<ReturnType<typeof startTestHub>>;
  let boots: TestDevice, control: TestDevice;

  beforeAll(async () => {
    hub = await startTestHub();
    boots = await TestDevice.connect(hub.mqttPort, 'radio-boots', 'radio-boots-secret-for-tests');
    control = await TestDevice.connect(hub.mqttPort, 'control-room', 'control-room-secret-for-tests');
    await boots.subscribe(topics.deviceErrors('town', 'radio-boots'));
    await control.subscribe('shopwatch/town/zones/+/alerts');
  });
  afterAll(async () => {
    await boots?.end();
    await control?.end();
    await hub?.stop();
  });

  async function alertCount() {
    const token = await login(hub.http, 'operator', 'operator-password');
    const res = await fetch(`${hub.http}/api/alerts?limit=500`, { headers: { authorization: `Bearer ${token}` } });
    return ((await res.json()) as unknown[]).length;
  }

  it('refuses a wrong secret and an unknown device', async () => {
    await expect(TestDevice.connect(hub.mqttPort, 'radio-boots', 'not-the-secret')).rejects.toThrow(
      /Bad username or password/i,
    );
    await expect(TestDevice.connect(hub.mqttPort, 'no-such-radio', 'whatever-secret')).rejects.toThrow(
      /Bad username or password/i,
    );
    await expect(TestDevice.connect(hub.mqttPort, '', '')).rejects.toThrow();
  });

  it('grants a store radio its own zone and refuses other zones, other schemes and wide wildcards', async () => {
    const byTopic = await grantedCodes(boots.client, [
      topics.zoneAlerts('town', 'north'), // its zone
      topics.zoneAlerts('town', 'south'), // another zone
      'shopwatch/town/zones/+/alerts', // every zone
      'shopwatch/#', // everything
      '#',
      topics.zoneAlerts('city', 'centre'), // another scheme
      'shopwatch/+/zones/north/alerts',
      topics.deviceStatus('town', 'radio-coop'), // another device's status
      topics.alertRaise('town'), // an inbound topic
    ]);
    expect(byTopic).toEqual({
      'shopwatch/town/zones/north/alerts': 1,
      'shopwatch/town/zones/south/alerts': 128,
      'shopwatch/town/zones/+/alerts': 128,
      'shopwatch/#': 128,
      '#': 128,
      'shopwatch/city/zones/centre/alerts': 128,
      'shopwatch/+/zones/north/alerts': 128,
      'shopwatch/town/devices/radio-coop/status': 128,
      'shopwatch/town/alerts/raise': 128,
    });
  });

  it('grants the control room every zone and every device status of its scheme only', async () => {
    const granted = await grantedCodes(control.client, [
      'shopwatch/town/zones/+/alerts',
      'shopwatch/town/devices/+/status',
      'shopwatch/town/devices/+/cameras/+/status',
      'shopwatch/city/zones/+/alerts',
      'shopwatch/town/#',
    ]);
    expect(granted).toEqual({
      'shopwatch/town/zones/+/alerts': 1,
      'shopwatch/town/devices/+/status': 1,
      'shopwatch/town/devices/+/cameras/+/status': 1,
      'shopwatch/city/zones/+/alerts': 128,
      'shopwatch/town/#': 128,
    });
  });

  const refusals: [string, () => [string, string | Buffer], string, RegExp][] = [
    ['malformed JSON', () => [topics.alertRaise('town'), '{"type": "shoplifting", '], 'bad_request', /malformed JSON/],
    [
      'wrong types',
      () => [topics.alertRaise('town'), JSON.stringify({ type: 'shoplifting', severity: 5, clientRef: 'x' })],
      'bad_request',
      /severity/,
    ],
    [
      'an unknown alert type',
      () => [topics.alertRaise('town'), JSON.stringify({ type: 'littering', severity: 'low', clientRef: 'x' })],
      'bad_request',
      /type/,
    ],
    [
      'a missing clientRef',
      () => [topics.alertRaise('town'), JSON.stringify({ type: 'shoplifting', severity: 'low' })],
      'bad_request',
      /clientRef/,
    ],
    [
      'a 1 MB payload',
      () => [topics.alertRaise('town'), Buffer.alloc(1024 * 1024, 'a')],
      'payload_too_large',
      /exceeds/,
    ],
    ['an unknown topic', () => ['shopwatch/town/alerts/everything/now', '{}'], 'unknown_topic', /unknown topic/],
    ['a topic outside ShopWatch', () => ['random/topic', '{}'], 'unknown_topic', /unknown topic/],
    [
      'another scheme',
      () => [topics.alertRaise('city'), JSON.stringify({ type: 'shoplifting', severity: 'low', clientRef: 'x' })],
      'forbidden',
      /scheme/,
    ],
    [
      'a hub-only topic',
      () => [topics.zoneAlerts('town', 'north'), JSON.stringify({ event: 'raised' })],
      'forbidden',
      /only the hub/,
    ],
    [
      'a camera report from a radio',
      () => [topics.cameraReport('town', 'radio-boots', 'cam1'), JSON.stringify({ status: 'online' })],
      'forbidden',
      /edge box/,
    ],
    [
      'an ack for an alert it cannot see',
      () => [topics.alertAck('town', 'no-such-alert'), JSON.stringify({ status: 'seen' })],
      'not_found',
      /not found/,
    ],
  ];

  for (const [what, make, code, reason] of refusals) {
    it(`refuses ${what} with a reason, stores nothing and stays connected`, async () => {
      const before = await alertCount();
      const [topic, payload] = make();
      const n = boots.errors().length;
      await boots.publish(topic, payload);
      const deadline = Date.now() + 5000;
      while (boots.errors().length <= n && Date.now() < deadline) await sleep(20);
      const err = boots.errors()[n]!;
      expect(err).toBeDefined();
      expect(err.code).toBe(code);
      expect(err.message).toMatch(reason);
      expect(err.topic).toBe(topic);
      expect(boots.client.connected).toBe(true);
      expect(await alertCount()).toBe(before);
    });
  }

  it('still relays normal alerts after all that, and never relays device messages as they are', async () => {
    await boots.publish(topics.alertRaise('town'), {
      type: 'shoplifting',
      severity: 'low',
      clientRef: 'after-bad-input',
    });
    await control.waitFor((m) => m.json?.alert?.clientRef === 'after-bad-input');
    // The control room never sees a raw device message (raise, ack, report...) nor a refused payload.
    expect(control.messages.length).toBeGreaterThan(0);
    expect(control.messages.filter((m) => TOPICS[parseTopic(m.topic)!.kind].direction !== 'out')).toEqual([]);
  });

  it('refuses a device of another scheme on this scheme even with the right secret', async () => {
    const argos = await TestDevice.connect(hub.mqttPort, 'radio-argos', 'radio-argos-secret-for-tests');
    expect(await grantedCodes(argos.client, [topics.zoneAlerts('town', 'north')])).toEqual({
      [topics.zoneAlerts('town', 'north')]: 128,
    });
    await argos.subscribe(topics.deviceErrors('city', 'radio-argos'));
    await argos.publish(topics.alertRaise('town'), { type: 'shoplifting', severity: 'low', clientRef: 'cross' });
    const err = await argos.waitFor((m) => m.topic.endsWith('/errors'));
    expect(err.json.code).toBe('forbidden');
    await argos.end();
  });

  it('refuses edge boxes raising alerts: their matches go to human review', async () => {
    const edge = await TestDevice.connect(hub.mqttPort, 'edge-boots', 'edge-boots-secret-for-tests');
    await edge.subscribe(topics.deviceErrors('town', 'edge-boots'));
    await edge.publish(topics.alertRaise('town'), { type: 'known-offender', severity: 'high', clientRef: 'edge-1' });
    const err = await edge.waitFor((m) => m.topic.endsWith('/errors'));
    expect(err.json).toMatchObject({ code: 'forbidden' });
    await edge.end();
  });

  it('survives a client that sends garbage bytes instead of MQTT', async () => {
    const net = await import('node:net');
    const sock = net.connect(hub.mqttPort, '127.0.0.1');
    await new Promise((r) => sock.once('connect', r));
    sock.write(Buffer.from('GET / HTTP/1.1\r\n\r\n'));
    await new Promise((r) => sock.once('close', r));
    await boots.publish(topics.alertRaise('town'), {
      type: 'shoplifting',
      severity: 'low',
      clientRef: 'after-garbage',
    });
    await control.waitFor((m) => m.json?.alert?.clientRef === 'after-garbage');
  });

  it('accepts MQTT over WebSocket at /mqtt with the same rules', async () => {
    const ws = await mqtt.connectAsync(`ws://127.0.0.1:${hub.httpPort}/mqtt`, {
      username: 'radio-coop',
      password: 'radio-coop-secret-for-tests',
      reconnectPeriod: 0,
    });
    const granted = await grantedCodes(ws, [topics.zoneAlerts('town', 'north'), topics.zoneAlerts('town', 'south')]);
    expect(Object.values(granted)).toEqual([1, 128]);
    // (It is first caught up on north's earlier alerts: a new device-connection of radio-coop.)
    const got = new Promise<string>((r) =>
      ws.on('message', (_t, p) => p.toString().includes('"over-ws"') && r(p.toString())),
    );
    await ws.publishAsync(
      topics.alertRaise('town'),
      JSON.stringify({ type: 'suspicious', severity: 'low', clientRef: 'over-ws' }),
      { qos: 1 },
    );
    expect(JSON.parse(await got).alert.clientRef).toBe('over-ws');
    await ws.endAsync();
    await expect(
      mqtt.connectAsync(`ws://127.0.0.1:${hub.httpPort}/mqtt`, {
        clientId: 'radio-coop:ws',
        username: 'radio-coop',
        password: 'wrong-secret-here',
        reconnectPeriod: 0,
      }),
    ).rejects.toThrow();
  });

  it('marks a device offline with its last-seen time when it disconnects', async () => {
    const statuses: any[] = [];
    await control.client.subscribeAsync(topics.deviceStatus('town', 'radio-tesco'), { qos: 1 });
    control.client.on(
      'message',
      (t, p) => t === topics.deviceStatus('town', 'radio-tesco') && statuses.push(JSON.parse(p.toString())),
    );
    const tesco = await TestDevice.connect(hub.mqttPort, 'radio-tesco', 'radio-tesco-secret-for-tests');
    await sleep(300);
    tesco.client.stream.destroy(); // an abrupt loss, like a radio walking out of coverage
    await sleep(500);
    expect(statuses.map((s) => s.status)).toEqual(expect.arrayContaining(['online', 'offline']));
    const last = statuses.at(-1);
    expect(last).toMatchObject({ deviceId: 'radio-tesco', status: 'offline' });
    expect(Date.parse(last.lastSeen)).toBeGreaterThan(Date.now() - 5000);
    tesco.client.end(true);
  });
});
