import { type ChildProcess, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mqtt from 'mqtt';
import { topics } from '@shopwatch/protocols';
import { startTestHub } from '../support/hub';
import { TestDevice, sleep } from '../support/mqtt';

/**
 * Forged hub messages, seen from the radios that must not receive them: a device of another
 * scheme and a device of the same scheme publish (and leave as last wills) messages on topics
 * only the hub writes. Victims: a store radio, the control room, an edge box and mosquitto_sub.
 */
describe('MQTT: forged hub messages are never relayed', () => {
  let hub: Awaited<ReturnType<typeof startTestHub>>;
  let boots: TestDevice, control: TestDevice, edge: TestDevice;
  let cli: ChildProcess;
  let cliOut = '';
  const FORGED = 'FORGED-7f3a';

  // Every hub-only topic of scheme "town" a forger might aim at.
  const hubOnly = [
    topics.zoneAlerts('town', 'north'),
    topics.deviceStatus('town', 'radio-boots'),
    topics.reviewCandidates('town'),
    topics.galleryVersion('town'),
    topics.cameraStatus('town', 'edge-boots', 'cam1'),
    topics.deviceErrors('town', 'radio-boots'),
  ];
  const forgedEvent = (n: string) =>
    JSON.stringify({
      event: 'raised',
      seq: 999_999,
      at: new Date().toISOString(),
      note: FORGED + n,
      alert: { id: FORGED },
    });

  beforeAll(async () => {
    hub = await startTestHub();
    boots = await TestDevice.connect(hub.mqttPort, 'radio-boots', 'radio-boots-secret-for-tests');
    await boots.subscribe([
      topics.zoneAlerts('town', 'north'),
      topics.deviceStatus('town', 'radio-boots'),
      topics.deviceErrors('town', 'radio-boots'),
    ]);
    control = await TestDevice.connect(hub.mqttPort, 'control-room', 'control-room-secret-for-tests');
    await control.subscribe([
      'shopwatch/town/zones/+/alerts',
      'shopwatch/town/devices/+/status',
      'shopwatch/town/devices/+/cameras/+/status',
      topics.reviewCandidates('town'),
    ]);
    edge = await TestDevice.connect(hub.mqttPort, 'edge-boots', 'edge-boots-secret-for-tests');
    await edge.subscribe([topics.galleryVersion('town')]);
    cli = spawn('mosquitto_sub', [
      '-h',
      '127.0.0.1',
      '-p',
      String(hub.mqttPort),
      '-u',
      'control-room',
      '-P',
      'control-room-secret-for-tests',
      '-i',
      'control-room:cli',
      '-q',
      '1',
      '-v',
      '-t',
      'shopwatch/town/zones/+/alerts',
      '-t',
      'shopwatch/town/devices/+/status',
      '-t',
      topics.reviewCandidates('town'),
    ]);
    cli.stdout!.on('data', (d) => (cliOut += d));
    await sleep(700); // mosquitto_sub subscribes
  });
  afterAll(async () => {
    cli?.kill();
    await Promise.all([boots, control, edge].map((d) => d?.end()));
    await hub?.stop();
  });

  const victims = () => [...boots.messages, ...control.messages, ...edge.messages].map((m) => m.payload).concat(cliOut);

  /** A real alert raised after the forgeries: once every victim has it, anything forged would have arrived. */
  async function barrier(ref: string) {
    const raiser = await TestDevice.connect(hub.mqttPort, 'radio-coop', 'radio-coop-secret-for-tests');
    await raiser.publish(topics.alertRaise('town'), { type: 'suspicious', severity: 'low', clientRef: ref });
    await boots.waitFor((m) => m.json?.alert?.clientRef === ref);
    await control.waitFor((m) => m.json?.alert?.clientRef === ref);
    const end = Date.now() + 5000;
    while (!cliOut.includes(ref) && Date.now() < end) await sleep(50);
    expect(cliOut).toContain(ref);
    await raiser.end();
  }

  for (const [who, id, secret] of [
    ['a radio of another scheme', 'radio-argos', 'radio-argos-secret-for-tests'],
    ['a device of the same scheme', 'radio-tesco', 'radio-tesco-secret-for-tests'],
  ] as const) {
    it(`drops what ${who} publishes on hub-only topics (QoS 0/1, retained or not); it stays connected`, async () => {
      const forger = await TestDevice.connect(hub.mqttPort, id, secret);
      let closed = 0;
      forger.client.on('close', () => closed++);
      for (const topic of hubOnly) {
        for (const qos of [0, 1] as const) {
          // publishAsync resolves on PUBACK for QoS 1: the refusal is acknowledged, as documented.
          await forger.client.publishAsync(topic, forgedEvent(`${id}-${qos}`), { qos, retain: true });
        }
      }
      await barrier(`barrier-${id}`);
      expect(victims().filter((p) => p.includes(FORGED))).toEqual([]);
      expect(forger.client.connected).toBe(true);
      expect(closed).toBe(0);
      // Nothing forged was retained either: a new subscriber gets only the hub's own state.
      const late = await TestDevice.connect(hub.mqttPort, 'control-room', 'control-room-secret-for-tests');
      await late.subscribe(['shopwatch/town/devices/+/status', 'shopwatch/town/devices/+/cameras/+/status']);
      await sleep(500);
      expect(late.messages.filter((m) => m.payload.includes(FORGED))).toEqual([]);
      await Promise.all([late.end(), forger.end()]);
    });
  }

  it('refuses a CONNECT whose last will aims at a hub-only topic; killing the socket delivers nothing', async () => {
    const attempts = hubOnly.slice(0, 4).flatMap((topic) => [
      { id: 'radio-argos', secret: 'radio-argos-secret-for-tests', topic },
      { id: 'radio-tesco', secret: 'radio-tesco-secret-for-tests', topic },
    ]);
    const outcomes: string[] = [];
    for (const a of attempts) {
      const will = { topic: a.topic, payload: Buffer.from(forgedEvent(`will-${a.id}`)), qos: 1 as const, retain: true };
      try {
        const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${hub.mqttPort}`, {
          clientId: `${a.id}:will`,
          username: a.id,
          password: a.secret,
          will,
          reconnectPeriod: 0,
          connectTimeout: 5000,
        });
        outcomes.push('connected');
        c.stream.destroy(); // an ungraceful end: this is when a will fires
        await sleep(100);
      } catch (err) {
        outcomes.push(String((err as Error).message));
      }
    }
    await barrier('barrier-wills');
    expect(victims().filter((p) => p.includes(FORGED))).toEqual([]);
    expect(outcomes.every((o) => /not authori[sz]ed/i.test(o))).toBe(true);
  });

  it('accepts a will on a topic the device may publish, and still never relays it as it is', async () => {
    const body = { type: 'suspicious', severity: 'low', message: 'lost contact', clientRef: 'will-lost-contact' };
    const payload = Buffer.from(JSON.stringify(body));
    const will = { topic: topics.alertRaise('town'), payload, qos: 1 as const, retain: false };
    const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${hub.mqttPort}`, {
      clientId: 'radio-coop:will',
      username: 'radio-coop',
      password: 'radio-coop-secret-for-tests',
      will,
      reconnectPeriod: 0,
    });
    c.stream.destroy();
    // The hub handles the will like the device's own raise: a stored alert, announced by the hub.
    const ev = await control.waitFor((m) => m.json?.alert?.clientRef === 'will-lost-contact');
    expect(ev.topic).toBe(topics.zoneAlerts('town', 'north'));
    expect(ev.json.alert.raisedBy.id).toBe('radio-coop');
    expect(control.messages.filter((m) => m.topic === topics.alertRaise('town'))).toEqual([]);
  });
});
