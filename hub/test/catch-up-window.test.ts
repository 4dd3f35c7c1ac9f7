import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mqtt from 'mqtt';
import { type AlertEvent, topics } from '@shopwatch/protocols';
import type { Client } from 'aedes';
import { connectionOf } from '../src/mqtt/connections';
import type { DeviceRecord } from '../src/storage/repository';
import { startTestHub } from './support/hub';
import { TestDevice, sleep } from './support/mqtt';

/** What the tests use of aedes' persistence (the typings leave it out). */
type Persistence = { addSubscriptions: (client: unknown, subs: unknown) => Promise<unknown> };

/** A gate a test opens by hand: what waits on it is held exactly as long as the test wants. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { open, opened };
}

const NORTH = topics.zoneAlerts('town', 'north');
const raise = (d: TestDevice, ref: string) =>
  d.publish(topics.alertRaise('town'), { type: 'suspicious', severity: 'low', clientRef: ref });

/** The alert events of `refs` one connection received, as `ref/event` in arrival order. */
const got = (events: AlertEvent[], refs: string[]) =>
  events.filter((e) => refs.includes(e.alert.clientRef!)).map((e) => `${e.alert.clientRef}/${e.event}`);

/**
 * The window between "a zone filter is granted" and "the catch-up has read storage": every event
 * stored after the subscription reaches the device exactly once, in seq order, whether it goes
 * out live or as a replay. Each test holds one step of the hub open with a gate, so the race
 * is taken the same way on every run.
 */
describe('catch-up: events raised while a device subscribes', () => {
  let hub: Awaited<ReturnType<typeof startTestHub>>;
  let raiser: TestDevice;
  /** Another north radio, subscribed all along: when it has an event, the broker has routed it. */
  let watcher: TestDevice;
  const read = heldReads();

  beforeAll(async () => {
    hub = await startTestHub({ raisesPerMinute: 100_000 });
    read.install(hub.services.repo);
    raiser = await TestDevice.connect(hub.mqttPort, 'radio-coop', 'radio-coop-secret-for-tests');
    watcher = await TestDevice.connect(hub.mqttPort, 'warden-1', 'warden-one-secret-for-tests');
    await watcher.subscribe(NORTH);
  });
  afterAll(async () => {
    await Promise.all([raiser?.end(), watcher?.end()]);
    await hub?.stop();
  });

  it('delivers an event raised while the catch-up reads storage once, after the older replay', async () => {
    await raise(raiser, 'window-before');
    const boots = await TestDevice.connect(hub.mqttPort, 'radio-boots', 'radio-boots-secret-for-tests');
    // The catch-up's first read returns what storage held, then waits until the raise is routed.
    const held = read.holdNext('radio-boots');
    await boots.subscribe(NORTH);
    await held.reading;
    await raise(raiser, 'window-during');
    await watcher.waitFor((m) => m.json?.alert?.clientRef === 'window-during', 5000, 'the live event');
    held.release();
    const refs = ['window-before', 'window-during'];
    const end = Date.now() + 5000;
    while (got(boots.events(), refs).length < 2 && Date.now() < end) await sleep(50);
    await sleep(500); // a second copy would be here by now
    expect(got(boots.events(), refs)).toEqual(['window-before/raised', 'window-during/raised']);
    const seqs = boots.events().map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
    await boots.end();
  });

  it('delivers an event raised before the broker has added a persistent session’s filter', async () => {
    const boots = await mqtt.connectAsync(`mqtt://127.0.0.1:${hub.mqttPort}`, {
      clientId: 'radio-boots:window-persistent',
      username: 'radio-boots',
      password: 'radio-boots-secret-for-tests',
      clean: false,
      reconnectPeriod: 0,
    });
    const events: AlertEvent[] = [];
    boots.on('message', (_t, p) => events.push(JSON.parse(p.toString()) as AlertEvent));
    // A persistent session's SUBSCRIBE is stored before aedes adds the filter to its router. With
    // memory persistence that is a few microtasks; with a networked one (Redis, the chosen path
    // beyond one node) a round trip. The gate stands for that round trip.
    const persistence = (hub.services.broker.aedes as unknown as { persistence: Persistence }).persistence;
    const add = persistence.addSubscriptions.bind(persistence);
    const stored = gate();
    let storing!: () => void;
    const isStoring = new Promise<void>((r) => (storing = r));
    persistence.addSubscriptions = async (client, subs) => {
      storing();
      await stored.opened;
      return add(client, subs);
    };
    try {
      const subscribed = boots.subscribeAsync(NORTH, { qos: 1 });
      await isStoring;
      await raise(raiser, 'window-unrouted');
      await watcher.waitFor((m) => m.json?.alert?.clientRef === 'window-unrouted', 5000, 'the live event');
      stored.open();
      await subscribed;
    } finally {
      persistence.addSubscriptions = add;
    }
    const end = Date.now() + 5000;
    while (!got(events, ['window-unrouted']).length && Date.now() < end) await sleep(50);
    await sleep(500);
    expect(got(events, ['window-unrouted'])).toEqual(['window-unrouted/raised']);
    await boots.endAsync();
  });

  it('catches up a filter routed after another SUBSCRIBE of the same connection was caught up', async () => {
    const clientId = 'control-room:window-two';
    const room = await mqtt.connectAsync(`mqtt://127.0.0.1:${hub.mqttPort}`, {
      clientId,
      username: 'control-room',
      password: 'control-room-secret-for-tests',
      clean: false,
      reconnectPeriod: 0,
    });
    const events: AlertEvent[] = [];
    room.on('message', (_t, p) => events.push(JSON.parse(p.toString()) as AlertEvent));
    // Two SUBSCRIBE packets in one read: aedes handles them side by side. The north one is
    // stored slowly (the gate), the south one is routed at once and its catch-up runs first.
    const persistence = (hub.services.broker.aedes as unknown as { persistence: Persistence }).persistence;
    const add = persistence.addSubscriptions.bind(persistence);
    const stored = gate();
    persistence.addSubscriptions = async (client, subs) => {
      if (JSON.stringify(subs).includes(NORTH)) await stored.opened;
      return add(client, subs);
    };
    try {
      const held = read.holdNext('control-room');
      const both = Promise.all([
        room.subscribeAsync(topics.zoneAlerts('town', 'south'), { qos: 1 }),
        room.subscribeAsync(NORTH, { qos: 1 }),
      ]);
      await held.reading;
      held.release();
      // The south catch-up has finished: what it read is all it will ever send.
      const client = (hub.services.broker.aedes as unknown as { clients: Record<string, Client> }).clients[clientId];
      await connectionOf(client)!.catchUpChain;
      await raise(raiser, 'window-second-filter');
      await watcher.waitFor((m) => m.json?.alert?.clientRef === 'window-second-filter', 5000, 'the live event');
      stored.open();
      await both;
    } finally {
      persistence.addSubscriptions = add;
    }
    const end = Date.now() + 5000;
    while (!got(events, ['window-second-filter']).length && Date.now() < end) await sleep(50);
    await sleep(500);
    expect(got(events, ['window-second-filter'])).toEqual(['window-second-filter/raised']);
    await room.endAsync();
  });
});

/** Holds the catch-up's storage read of one device after it has read, until the test releases it. */
function heldReads() {
  let next: { device: string; reading: () => void; released: Promise<void> } | null = null;
  return {
    install(repo: { unconfirmedEvents: (d: DeviceRecord, z: string[], s: string) => Promise<unknown> }) {
      const original = repo.unconfirmedEvents.bind(repo);
      repo.unconfirmedEvents = async (device, zones, since) => {
        const rows = await original(device, zones, since);
        const hold = next?.device === device.id ? next : null;
        if (hold) {
          next = null;
          hold.reading();
          await hold.released;
        }
        return rows;
      };
    },
    holdNext(device: string) {
      const g = gate();
      let reading!: () => void;
      const started = new Promise<void>((r) => (reading = r));
      next = { device, reading, released: g.opened };
      return { reading: started, release: g.open };
    },
  };
}
