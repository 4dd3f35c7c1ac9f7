import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertEvent, type AlertWithDeliveries, topics } from '@shopwatch/protocols';
import { login, startTestHub } from './support/hub';
import { TestDevice, sleep } from './support/mqtt';

describe('alert relay over MQTT', () => {
  let hub: Awaited<ReturnType<typeof startTestHub>>;
  let boots: TestDevice, coop: TestDevice, tesco: TestDevice, control: TestDevice, warden: TestDevice;

  beforeAll(async () => {
    hub = await startTestHub({ escalationSeconds: 5 });
    const p = hub.mqttPort;
    [boots, coop, tesco, control, warden] = await Promise.all([
      TestDevice.connect(p, 'radio-boots', 'radio-boots-secret-for-tests'),
      TestDevice.connect(p, 'radio-coop', 'radio-coop-secret-for-tests'),
      TestDevice.connect(p, 'radio-tesco', 'radio-tesco-secret-for-tests'),
      TestDevice.connect(p, 'control-room', 'control-room-secret-for-tests'),
      TestDevice.connect(p, 'warden-1', 'warden-one-secret-for-tests'),
    ]);
    await boots.subscribe([topics.zoneAlerts('town', 'north'), topics.deviceErrors('town', 'radio-boots')]);
    await coop.subscribe(topics.zoneAlerts('town', 'north'));
    await tesco.subscribe(topics.zoneAlerts('town', 'south'));
    await control.subscribe('shopwatch/town/zones/+/alerts');
    await warden.subscribe('shopwatch/town/zones/+/alerts');
  });
  afterAll(async () => {
    await Promise.all([boots, coop, tesco, control, warden].map((d) => d?.end()));
    await hub?.stop();
  });

  it('fans a raise out to the stores of the zone, the control room and wardens, but not other zones', async () => {
    await boots.publish(topics.alertRaise('town'), {
      type: 'shoplifting',
      severity: 'high',
      message: 'two males, grey hoodies',
      clientRef: 'fanout-1',
    });
    const seen = await Promise.all([boots, coop, control, warden].map((d) => d.waitForEvent('raised')));
    for (const e of seen) {
      expect(AlertEvent.parse(e).alert.store).toBe('boots');
      expect(e.alert.zone).toBe('north');
      expect(e.alert.raisedBy).toEqual({ kind: 'device', id: 'radio-boots' });
      expect(e.alert.message).toBe('two males, grey hoodies');
    }
    await sleep(300);
    expect(tesco.events().filter((e) => e.alert.clientRef === 'fanout-1')).toHaveLength(0);
    // A wildcard subscriber gets each event once.
    expect(control.events().filter((e) => e.alert.clientRef === 'fanout-1')).toHaveLength(1);
  });

  it('takes the sender from the connection, never from the payload', async () => {
    await coop.publish(topics.alertRaise('town'), {
      type: 'suspicious',
      severity: 'low',
      clientRef: 'spoof-1',
      raisedBy: { kind: 'device', id: 'radio-boots' },
    });
    // raisedBy is not a raise field: the strict schema refuses it and nothing is stored.
    await sleep(300);
    expect(control.events().some((e) => e.alert.clientRef === 'spoof-1')).toBe(false);
    await coop.publish(topics.alertRaise('town'), {
      type: 'suspicious',
      severity: 'low',
      clientRef: 'spoof-2',
      store: 'boots',
    });
    await sleep(300);
    expect(control.events().some((e) => e.alert.clientRef === 'spoof-2')).toBe(false);
  });

  it('treats a retried raise with the same clientRef as the same alert', async () => {
    const raise = { type: 'violence', severity: 'critical', clientRef: 'retry-1' } as const;
    await boots.publish(topics.alertRaise('town'), raise);
    await boots.publish(topics.alertRaise('town'), raise);
    await boots.publish(topics.alertRaise('town'), raise);
    await control.waitForEvent('raised');
    await sleep(400);
    const token = await login(hub.http, 'operator', 'operator-password');
    const list = (await (
      await fetch(`${hub.http}/api/alerts`, { headers: { authorization: `Bearer ${token}` } })
    ).json()) as AlertWithDeliveries[];
    expect(list.filter((a) => a.clientRef === 'retry-1')).toHaveLength(1);
    expect(control.events().filter((e) => e.alert.clientRef === 'retry-1')).toHaveLength(1);
  });

  it('records delivery receipts per device and lists who has not confirmed', async () => {
    await tesco.publish(topics.alertRaise('town'), { type: 'aggression', severity: 'medium', clientRef: 'receipt-1' });
    const ev = await control.waitFor((m) => m.json?.alert?.clientRef === 'receipt-1').then((m) => m.json as AlertEvent);
    await control.publish(topics.alertReceipt('town', ev.alert.id), {});
    await tesco.waitFor((m) => m.json?.alert?.clientRef === 'receipt-1');
    await tesco.publish(topics.alertReceipt('town', ev.alert.id), { eventSeq: ev.seq });
    await sleep(300);
    const token = await login(hub.http, 'operator', 'operator-password');
    const a = (await (
      await fetch(`${hub.http}/api/alerts/${ev.alert.id}`, { headers: { authorization: `Bearer ${token}` } })
    ).json()) as AlertWithDeliveries;
    expect(a.deliveries.map((d) => d.deviceId).sort()).toEqual(['control-room', 'radio-tesco']);
    expect(a.deliveries.every((d) => d.lastSeq === ev.seq)).toBe(true);
    // Warden radio was sent it but did not confirm; north radios never should get it.
    expect(a.undelivered).toEqual(['warden-1']);
  });

  it('records acknowledgements on the timeline and stops escalation once someone is attending', async () => {
    await boots.publish(topics.alertRaise('town'), { type: 'shoplifting', severity: 'medium', clientRef: 'ack-1' });
    const raised = await warden.waitFor((m) => m.json?.alert?.clientRef === 'ack-1').then((m) => m.json as AlertEvent);
    await control.publish(topics.alertAck('town', raised.alert.id), { status: 'seen' });
    await warden.publish(topics.alertAck('town', raised.alert.id), { status: 'attending', note: 'two minutes away' });
    const acked = await boots
      .waitFor(
        (m) =>
          m.json?.event === 'acknowledged' && m.json.alert.id === raised.alert.id && m.json.alert.timeline.length === 3,
      )
      .then((m) => m.json as AlertEvent);
    expect(acked.alert.timeline.map((t) => [t.kind, t.actor.id, t.status ?? null])).toEqual([
      ['raised', 'radio-boots', null],
      ['acknowledged', 'control-room', 'seen'],
      ['acknowledged', 'warden-1', 'attending'],
    ]);
    expect(acked.alert.escalatesAt).toBeNull();
    await sleep(6000); // past the 5 s window
    expect(tesco.events().some((e) => e.alert.id === raised.alert.id)).toBe(false);
  }, 15_000);

  it('escalates an alert nobody attends to every zone, with priority', async () => {
    await boots.publish(topics.alertRaise('town'), { type: 'violence', severity: 'high', clientRef: 'esc-1' });
    const raised = await control.waitFor((m) => m.json?.alert?.clientRef === 'esc-1').then((m) => m.json as AlertEvent);
    // "seen" does not stop escalation
    await control.publish(topics.alertAck('town', raised.alert.id), { status: 'seen' });
    const t0 = Date.parse(raised.at);
    const esc = await tesco.waitForEvent('escalated', raised.alert.id, 9000);
    const waited = Date.parse(esc.at) - t0;
    expect(waited).toBeGreaterThanOrEqual(5000);
    expect(waited).toBeLessThan(7000);
    expect(esc.alert.priority).toBe(true);
    expect(esc.alert.status).toBe('escalated');
    expect(esc.alert.timeline.at(-1)).toMatchObject({ kind: 'escalated', actor: { kind: 'hub' } });
    await boots.waitForEvent('escalated', raised.alert.id);
    await sleep(300);
    expect(control.events().filter((e) => e.event === 'escalated' && e.alert.id === raised.alert.id)).toHaveLength(1);
  }, 15_000);

  it('lets the control room raise a priority alert to every zone at once, but not a store', async () => {
    await control.publish(topics.alertRaise('town'), {
      type: 'known-offender',
      severity: 'high',
      store: 'tesco',
      priority: true,
      message: 'heading north on High St',
      clientRef: 'all-1',
    });
    const got = await Promise.all(
      [boots, coop, tesco, warden].map((d) => d.waitFor((m) => m.json?.alert?.clientRef === 'all-1')),
    );
    for (const m of got)
      expect(m.json.alert).toMatchObject({ priority: true, zone: 'south', store: 'tesco', escalatesAt: null });
    expect(got[0]!.topic).toBe(topics.zoneAlerts('town', 'north'));
    const n = boots.errors().length;
    await boots.publish(topics.alertRaise('town'), {
      type: 'shoplifting',
      severity: 'low',
      priority: true,
      clientRef: 'all-2',
    });
    await boots.waitFor(() => boots.errors().length > n);
    expect(boots.errors()[n]).toMatchObject({ code: 'forbidden' });
  });

  it('closes an alert with an outcome and refuses to close it twice', async () => {
    await boots.publish(topics.alertRaise('town'), { type: 'shoplifting', severity: 'low', clientRef: 'close-1' });
    const raised = await control
      .waitFor((m) => m.json?.alert?.clientRef === 'close-1')
      .then((m) => m.json as AlertEvent);
    await warden.publish(topics.alertClose('town', raised.alert.id), { outcome: 'detained', note: 'handed to police' });
    const closed = await boots.waitForEvent('closed', raised.alert.id);
    expect(closed.alert).toMatchObject({ status: 'closed', outcome: 'detained', escalatesAt: null });
    expect(closed.alert.timeline.at(-1)).toMatchObject({
      kind: 'closed',
      actor: { id: 'warden-1' },
      outcome: 'detained',
      note: 'handed to police',
    });
    await boots.publish(topics.alertClose('town', raised.alert.id), { outcome: 'all-clear' });
    const err = await boots.waitFor((m) => m.topic.endsWith('/errors') && m.json.code === 'conflict');
    expect(err.json.message).toMatch(/already closed/);
  });
});
