import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mqtt from 'mqtt';
import { type AlertEvent, topics } from '@shopwatch/protocols';
import { startTestHub } from './support/hub';
import { TestDevice, sleep } from './support/mqtt';

/** A persistent-session client that records, per connection, the alert events it received. */
async function persistent(port: number, clientId: string, user: string, secret: string) {
  const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
    clientId,
    username: user,
    password: secret,
    clean: false,
    reconnectPeriod: 0,
    connectTimeout: 5000,
  });
  const events: AlertEvent[] = [];
  c.on('message', (_t, p) => {
    const j = JSON.parse(p.toString());
    if (j?.event) events.push(j as AlertEvent);
  });
  return { c, events };
}

const raise = (d: TestDevice, ref: string) =>
  d.publish(topics.alertRaise('town'), { type: 'suspicious', severity: 'low', clientRef: ref });

describe('persistent sessions: storage is the only source of catch-up', () => {
  let hub: Awaited<ReturnType<typeof startTestHub>>;
  let raiser: TestDevice;
  beforeAll(async () => {
    // A raiser far above the normal raise limit: this is about delivery, not about limits.
    hub = await startTestHub({ escalationSeconds: 5, raisesPerMinute: 100_000 });
    raiser = await TestDevice.connect(hub.mqttPort, 'radio-coop', 'radio-coop-secret-for-tests');
  });
  afterAll(async () => {
    await raiser?.end();
    await hub?.stop();
  });

  it('keeps a persistent control-room session connected through 5 escalations (issue 18.4)', async () => {
    const { c, events } = await persistent(
      hub.mqttPort,
      'control-room:console',
      'control-room',
      'control-room-secret-for-tests',
    );
    let drops = 0;
    c.on('close', () => drops++);
    c.on('offline', () => drops++);
    await c.subscribeAsync('shopwatch/town/zones/+/alerts', { qos: 1 });
    const refs = Array.from({ length: 5 }, (_, i) => `escalates-${i}`);
    for (const r of refs) await raise(raiser, r);
    // Nobody attends: each escalates after 5 s and goes to both zone topics.
    const end = Date.now() + 20_000;
    const escalated = () => events.filter((e) => e.event === 'escalated' && refs.includes(e.alert.clientRef!));
    while (escalated().length < 5 && Date.now() < end && drops === 0) await sleep(100);
    await sleep(500);
    expect(drops).toBe(0);
    expect(c.connected).toBe(true);
    // Each escalation arrives once, although it was published on both zone topics.
    expect(
      escalated()
        .map((e) => e.alert.clientRef)
        .sort(),
    ).toEqual(refs);
    await c.endAsync();
  }, 40_000);

  it('replays exactly the 10 events a persistent-session radio missed, flagged, in order, once (18.3)', async () => {
    let radio = await persistent(hub.mqttPort, 'radio-boots:persistent', 'radio-boots', 'radio-boots-secret-for-tests');
    await radio.c.subscribeAsync(topics.zoneAlerts('town', 'north'), { qos: 1 });
    await sleep(500); // its own catch-up of earlier tests' alerts
    // It confirms what it has, so only what it misses from now on is owed.
    for (const e of radio.events) {
      const receipt = JSON.stringify({ eventSeq: e.seq });
      await radio.c.publishAsync(topics.alertReceipt('town', e.alert.id), receipt, { qos: 1 });
    }
    await radio.c.endAsync();

    for (let i = 0; i < 10; i++) await raise(raiser, `missed-${i}`);
    // Back with the same session: it does not subscribe again, the session has the subscription.
    radio = await persistent(hub.mqttPort, 'radio-boots:persistent', 'radio-boots', 'radio-boots-secret-for-tests');
    const end = Date.now() + 5000;
    while (radio.events.length < 10 && Date.now() < end) await sleep(50);
    await sleep(1000); // anything extra (a second copy, a broker-queued one) would arrive by now
    const got = radio.events;
    expect(got.map((e) => e.alert.clientRef)).toEqual(Array.from({ length: 10 }, (_, i) => `missed-${i}`));
    expect(got.every((e) => e.replay === true)).toBe(true);
    const seqs = got.map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(10);
    await radio.c.endAsync();
  });

  it('never sends an event twice on one connection during repeated reconnects under steady raises (18.5)', async () => {
    let stop = false;
    let n = 0;
    const raising = (async () => {
      while (!stop) {
        await raise(raiser, `steady-${n++}`);
        await sleep(60);
      }
    })();
    const connections: AlertEvent[][] = [];
    for (let i = 0; i < 10; i++) {
      const w = await persistent(hub.mqttPort, 'warden-1:persistent', 'warden-1', 'warden-one-secret-for-tests');
      // Odd rounds subscribe again on top of the restored session: two catch-ups on one connection.
      if (i === 0 || i % 2 === 1) await w.c.subscribeAsync('shopwatch/town/zones/+/alerts', { qos: 1 });
      await sleep(250 + (i % 3) * 150);
      connections.push(w.events);
      w.c.end(true);
      await sleep(50);
    }
    stop = true;
    await raising;
    expect(n).toBeGreaterThan(20);
    const total = connections.reduce((s, evs) => s + evs.length, 0);
    expect(total).toBeGreaterThan(n);
    for (const evs of connections) {
      const seqs = evs.map((e) => e.seq);
      expect(new Set(seqs).size, 'no event twice on one connection').toBe(seqs.length);
      const seen = evs.map((e) => `${e.seq}${e.event[0]}${e.replay ? 'r' : ''}`).join(' ');
      expect(seqs, `in seq order on one connection: ${seen}`).toEqual([...seqs].sort((a, b) => a - b));
    }
    // The last connection has every steady event raised before it connected.
    const last = new Set(connections.at(-1)!.map((e) => e.alert.clientRef));
    expect(Array.from({ length: n - 10 }, (_, i) => `steady-${i}`).every((r) => last.has(r))).toBe(true);
  }, 60_000);
});
