import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertWithDeliveries, topics } from '@shopwatch/protocols';
import { login, startTestHub, testScheme } from './support/hub';
import { TestDevice } from './support/mqtt';

describe('acknowledgements name the person and carry an optional ETA', () => {
  let hub: Awaited<ReturnType<typeof startTestHub>>;
  let op: string, warden: string;
  let radio: TestDevice;
  const call = (method: string, p: string, token: string, body?: unknown) =>
    fetch(`${hub.http}${p}`, {
      method,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  let n = 0;
  const raise = async () => {
    const raise = { type: 'violence', severity: 'high', store: 'boots', clientRef: `eta-${++n}` };
    const res = await call('POST', '/api/alerts', op, raise);
    return ((await res.json()) as { id: string }).id;
  };
  const alert = async (id: string) =>
    AlertWithDeliveries.parse(await (await call('GET', `/api/alerts/${id}`, op)).json());

  beforeAll(async () => {
    const seed = testScheme();
    seed.users = (seed.users ?? []).map((u) => (u.username === 'warden' ? { ...u, displayName: 'Sam Patel' } : u));
    hub = await startTestHub({ seed });
    op = await login(hub.http, 'operator', 'operator-password');
    warden = await login(hub.http, 'warden', 'warden-password');
    radio = await TestDevice.connect(hub.mqttPort, 'radio-boots', 'radio-boots-secret-for-tests');
    await radio.subscribe(topics.zoneAlerts('town', 'north'));
  });
  afterAll(async () => {
    await radio?.end();
    await hub?.stop();
  });

  it('keeps the display name and ETA of an HTTP acknowledgement and sends them to the store’s radio', async () => {
    const id = await raise();
    const acked = await call('POST', `/api/alerts/${id}/ack`, warden, { status: 'attending', etaMinutes: 2 });
    expect(acked.status).toBe(200);
    const ev = await radio.waitForEvent('acknowledged', id);
    const entry = ev.alert.timeline.at(-1)!;
    expect(entry).toMatchObject({
      kind: 'acknowledged',
      status: 'attending',
      actor: { id: 'warden' },
      actorName: 'Sam Patel',
      etaMinutes: 2,
    });
    expect((await alert(id)).timeline.at(-1)).toMatchObject({ actorName: 'Sam Patel', etaMinutes: 2 });
  });

  it('accepts an ETA on an MQTT acknowledgement from a warden’s radio', async () => {
    const id = await raise();
    const w = await TestDevice.connect(hub.mqttPort, 'warden-1', 'warden-one-secret-for-tests');
    try {
      await w.publish(topics.alertAck('town', id), { status: 'attending', etaMinutes: 5 });
      const ev = await radio.waitForEvent('acknowledged', id);
      expect(ev.alert.timeline.at(-1)).toMatchObject({ actor: { kind: 'device', id: 'warden-1' }, etaMinutes: 5 });
    } finally {
      await w.end();
    }
  });

  it('refuses an ETA that is not whole minutes between 1 and 120, changing nothing', async () => {
    const id = await raise();
    for (const etaMinutes of [0, 121, 2.5, '2']) {
      const res = await call('POST', `/api/alerts/${id}/ack`, warden, { status: 'attending', etaMinutes });
      expect(res.status).toBe(400);
    }
    expect((await alert(id)).timeline.map((e) => e.kind)).toEqual(['raised']);
  });
});
