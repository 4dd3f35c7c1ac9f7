import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mqtt, { type MqttClient } from 'mqtt';
import { topics } from '@shopwatch/protocols';
import { startTestHub } from '../support/hub';
import { TestDevice, sleep } from '../support/mqtt';

/**
 * Client ids are bound to the authenticated device. Seen from the victim: a radio with a
 * persistent session that an intruder tries to take over, or whose queued session it tries to
 * inherit.
 */
describe("MQTT: a device can never take over another device's client id or session", () => {
  let hub: Awaited<ReturnType<typeof startTestHub>>;
  const url = () => `mqtt://127.0.0.1:${hub.mqttPort}`;
  const VICTIM_ID = 'radio-boots:console';

  beforeAll(async () => {
    hub = await startTestHub();
  });
  afterAll(async () => hub?.stop());

  const connect = (opts: mqtt.IClientOptions) =>
    mqtt.connectAsync(url(), { reconnectPeriod: 0, connectTimeout: 5000, ...opts });
  const BOOTS = { username: 'radio-boots', password: 'radio-boots-secret-for-tests' };
  const ARGOS = { username: 'radio-argos', password: 'radio-argos-secret-for-tests' };
  const COOP = { username: 'radio-coop', password: 'radio-coop-secret-for-tests' };
  const low = (clientRef: string) => ({ type: 'suspicious', severity: 'low', clientRef });

  /** Tries to connect; returns the error message, or the connected client. */
  async function attempt(opts: mqtt.IClientOptions): Promise<string | MqttClient> {
    try {
      return await connect(opts);
    } catch (err) {
      return (err as Error).message;
    }
  }

  it(
    "keeps an intruder using a connected radio's client id in its own namespace; the radio stays up and " +
      'hears alerts',
    async () => {
      const radio = await connect({ clientId: VICTIM_ID, clean: false, ...BOOTS });
      let drops = 0;
      radio.on('close', () => drops++);
      radio.on('offline', () => drops++);
      const got: string[] = [];
      radio.on('message', (_t, p) => got.push(p.toString()));
      await radio.subscribeAsync(topics.zoneAlerts('town', 'north'), { qos: 1 });

      const tries = [
        { clientId: VICTIM_ID, ...ARGOS }, // another scheme
        { clientId: VICTIM_ID, ...COOP }, // same scheme, other device
        { clientId: 'radio-boots', ...COOP },
      ];
      // Each intruder connects, but as "{its own id}:{the id it sent}": the radio's connection is
      // not taken over (with aedes' default behaviour each of these would have kicked it off).
      const intruders: MqttClient[] = [];
      for (const t of tries) {
        const r = await attempt({ ...t, clean: false });
        expect(typeof r, JSON.stringify(t)).not.toBe('string');
        intruders.push(r as MqttClient);
      }
      // aedes keeps its connected clients by id (not in its typings).
      const clients = (hub.services.broker.aedes as unknown as { clients: Record<string, unknown> }).clients;
      expect(Object.keys(clients)).toEqual(
        expect.arrayContaining([VICTIM_ID, 'radio-coop:radio-boots', `radio-argos:${VICTIM_ID}`]),
      );
      await sleep(300);

      const raiser = await TestDevice.connect(hub.mqttPort, 'radio-coop', 'radio-coop-secret-for-tests');
      await raiser.publish(topics.alertRaise('town'), low('after-intruders'));
      const end = Date.now() + 5000;
      while (!got.some((p) => p.includes('after-intruders')) && Date.now() < end) await sleep(25);
      expect(got.some((p) => p.includes('after-intruders'))).toBe(true);
      expect(drops).toBe(0);
      expect(radio.connected).toBe(true);
      await Promise.all([radio.endAsync(), raiser.end(), ...intruders.map((c) => c.endAsync())]);
    },
  );

  it("never hands a persistent session's queued messages to an intruder", async () => {
    // The radio's persistent session exists, the radio is away, alerts happen meanwhile.
    const radio = await connect({ clientId: VICTIM_ID, clean: false, ...BOOTS });
    await radio.subscribeAsync(topics.zoneAlerts('town', 'north'), { qos: 1 });
    await radio.endAsync();
    const raiser = await TestDevice.connect(hub.mqttPort, 'radio-coop', 'radio-coop-secret-for-tests');
    for (let i = 0; i < 3; i++) await raiser.publish(topics.alertRaise('town'), low(`queued-${i}`));

    const intruder = await attempt({ clientId: VICTIM_ID, clean: false, ...ARGOS });
    const leaked: string[] = [];
    if (typeof intruder !== 'string') {
      intruder.on('message', (_t, p) => leaked.push(p.toString()));
      await sleep(800);
      intruder.end(true);
    }
    expect(typeof intruder).not.toBe('string'); // it connects, in its own namespace
    expect(leaked).toEqual([]);

    // The real radio gets its missed alerts when it comes back.
    const back = await connect({ clientId: VICTIM_ID, clean: false, ...BOOTS });
    const got: string[] = [];
    back.on('message', (_t, p) => got.push(p.toString()));
    const end = Date.now() + 5000;
    while (!got.some((p) => p.includes('queued-2')) && Date.now() < end) await sleep(25);
    expect(['queued-0', 'queued-1', 'queued-2'].every((r) => got.some((p) => p.includes(r)))).toBe(true);
    await Promise.all([back.endAsync(), raiser.end()]);
  });

  it('accepts the device id itself, "{deviceId}:{anything}", an empty id and a client\'s default id', async () => {
    for (const clientId of ['radio-tesco', 'radio-tesco:tablet-app', '', 'mqttjs_1234abcd', 'mosq-Xy12']) {
      const c = await connect({
        clientId,
        clean: true,
        username: 'radio-tesco',
        password: 'radio-tesco-secret-for-tests',
      });
      expect(c.connected).toBe(true);
      await c.endAsync();
    }
  });
});
