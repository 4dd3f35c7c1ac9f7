import { type WsServerMessage, topics } from '@shopwatch/protocols';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login, tempDir, testScheme, writeSeed } from './support/hub';
import { TestCluster } from './support/cluster';
import { spawnHub, waitReady } from './support/hub-process';
import { freePort } from './support/ports';
import { LocalPushService } from './support/push-endpoint';
import { TestDevice, sleep } from './support/mqtt';
import { type TestRedis, startRedis } from './support/redis';

const BOOTS = ['radio-boots', 'radio-boots-secret-for-tests'] as const;
const COOP = ['radio-coop', 'radio-coop-secret-for-tests'] as const;
const CONTROL = ['control-room', 'control-room-secret-for-tests'] as const;
const EDGE = ['edge-boots', 'edge-boots-secret-for-tests'] as const;
const NORTH = topics.zoneAlerts('town', 'north');

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 8000) {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting until ${what}`);
    await sleep(50);
  }
}

/** A control-room browser on a node's /ws, recording every message it is sent. */
async function browser(http: string) {
  const token = await login(http, 'operator', 'operator-password');
  const ws = new WebSocket(`${http.replace('http', 'ws')}/ws`);
  const msgs: WsServerMessage[] = [];
  ws.on('message', (d) => msgs.push(JSON.parse(d.toString())));
  await new Promise((resolve, reject) => ws.on('open', resolve).on('error', reject));
  ws.send(JSON.stringify({ type: 'hello', token }));
  await until('the browser is welcomed', () => msgs.some((m) => m.type === 'welcome'));
  return { ws, msgs };
}

describe('hub nodes joined through Redis', () => {
  let redis: TestRedis;
  let cluster: TestCluster;
  let a: Awaited<ReturnType<TestCluster['start']>>;
  let b: Awaited<ReturnType<TestCluster['start']>>;
  const devices: TestDevice[] = [];
  const connect = async (port: number, who: readonly [string, string]) => {
    const d = await TestDevice.connect(port, ...who);
    devices.push(d);
    return d;
  };

  beforeAll(async () => {
    redis = await startRedis();
    cluster = new TestCluster(redis.url);
    a = await cluster.start('node-a');
    // B never polls the stored provisioning generation here (an hour): what it learns of A's
    // changes it learns from the bus, so the tests below see the bus at work, not the poll.
    b = await cluster.start('node-b', { provisioningPollMs: 3_600_000 });
  }, 60_000);

  afterAll(async () => {
    for (const d of devices) d.client.end(true);
    await cluster?.stop();
    await redis?.stop();
  }, 60_000);

  it('delivers an alert raised on node A once to a radio on node B, and to a browser on node B', async () => {
    const coop = await connect(b.mqttPort, COOP);
    await coop.subscribe(NORTH);
    const { ws, msgs } = await browser(b.http);
    const boots = await connect(a.mqttPort, BOOTS);
    await boots.publish(topics.alertRaise('town'), { type: 'shoplifting', severity: 'high', clientRef: 'cluster-1' });

    const raised = await coop.waitForEvent('raised', undefined, 8000);
    await until('the browser on B sees it', () =>
      msgs.some((m) => m.type === 'alert' && m.event.alert.id === raised.alert.id),
    );
    await sleep(1000); // time for a second copy from the other node to arrive
    expect(coop.events().filter((e) => e.alert.id === raised.alert.id && e.event === 'raised')).toHaveLength(1);
    ws.close();
  });

  it('sends a scheme-wide alert from node A once to a tablet on node B subscribed to every zone', async () => {
    const control = await connect(b.mqttPort, CONTROL);
    await control.subscribe([NORTH, topics.zoneAlerts('town', 'south')]);
    const op = await login(a.http, 'operator', 'operator-password');
    const res = await fetch(`${a.http}/api/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${op}` },
      body: JSON.stringify({
        type: 'violence',
        severity: 'critical',
        priority: true,
        store: 'boots',
        clientRef: 'cluster-priority',
      }),
    });
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as { id: string };
    await control.waitForEvent('raised', id, 8000);
    await sleep(1000); // the copy on the other zone topic comes through Redis as its own packet
    expect(control.events().filter((e) => e.alert.id === id)).toHaveLength(1);
  });

  it('counts an alert event in the metrics of the node where it happened only', async () => {
    const count = async (node: typeof a) =>
      (await node.services.metrics.alertEvents.get()).values.reduce((n, v) => n + v.value, 0);
    const [beforeA, beforeB] = [await count(a), await count(b)];
    const boots = await connect(a.mqttPort, BOOTS);
    const coop = await connect(b.mqttPort, COOP);
    await coop.subscribe(NORTH);
    await boots.publish(topics.alertRaise('town'), {
      type: 'shoplifting',
      severity: 'low',
      clientRef: 'cluster-metrics',
    });
    await coop.waitFor((m) => m.json?.alert?.clientRef === 'cluster-metrics', 8000);
    await sleep(500);
    expect((await count(a)) - beforeA).toBe(1);
    expect((await count(b)) - beforeB).toBe(0);
  });

  it('sends the Web Push of an alert once, from the node where it was raised', async () => {
    const pushService = await new LocalPushService().start();
    try {
      const phone = pushService.subscribe('boots-phone-cluster');
      const boots = await login(b.http, 'boots-staff', 'boots-password');
      const saved = await fetch(`${b.http}/api/push/subscriptions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${boots}` },
        body: JSON.stringify(phone),
      });
      expect(saved.status).toBe(201);
      const op = await login(a.http, 'operator', 'operator-password');
      const raised = await fetch(`${a.http}/api/alerts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${op}` },
        body: JSON.stringify({ type: 'violence', severity: 'high', store: 'boots', clientRef: 'cluster-push' }),
      });
      expect(raised.status).toBe(201);
      await until('the phone is pushed to', () => pushService.to('boots-phone-cluster').length > 0, 10_000);
      await sleep(1500); // time for a second push from the other node
      expect(pushService.to('boots-phone-cluster')).toHaveLength(1);
      expect(pushService.failures).toEqual([]);
    } finally {
      await pushService.close();
    }
  });

  it('sends a camera state reported on node A once to a control room on node B (retained on both)', async () => {
    const status = topics.cameraStatus('town', 'edge-boots', 'cam-cluster');
    const control = await connect(b.mqttPort, CONTROL);
    await control.subscribe(status);
    const edge = await connect(a.mqttPort, EDGE);
    await edge.publish(topics.cameraReport('town', 'edge-boots', 'cam-cluster'), { status: 'error', reason: 'lens' });
    await control.waitFor((m) => m.topic === status && m.json.status === 'error', 8000);
    await sleep(1000);
    expect(control.messages.filter((m) => m.topic === status)).toHaveLength(1);

    // Retained in Redis: a control room connecting later to either node is told at once.
    for (const node of [a, b]) {
      const late = await connect(node.mqttPort, CONTROL);
      await late.subscribe(status);
      const got = await late.waitFor((m) => m.topic === status, 3000);
      expect(got.json).toMatchObject({ cameraId: 'cam-cluster', status: 'error', reason: 'lens' });
    }
  });

  it("shows a radio connected to node A online in node B's presence, and offline when it leaves", async () => {
    const presenceB = b.services.presence;
    expect(presenceB.isOnline('radio-tesco')).toBe(false);
    const tesco = await TestDevice.connect(a.mqttPort, 'radio-tesco', 'radio-tesco-secret-for-tests');
    await until("B's presence has it online", () => presenceB.isOnline('radio-tesco'));
    const token = await login(b.http, 'operator', 'operator-password');
    const res = await fetch(`${b.http}/api/devices`, { headers: { authorization: `Bearer ${token}` } });
    const listed = ((await res.json()) as { id: string; status: string }[]).find((d) => d.id === 'radio-tesco');
    expect(listed?.status).toBe('online');
    await tesco.end();
    await until("B's presence has it offline", () => !presenceB.isOnline('radio-tesco'));
  });

  it("closes a radio's connection on node A when it reconnects to node B with the same client id", async () => {
    const clientId = 'radio-coop:takeover';
    const first = await TestDevice.connect(a.mqttPort, ...COOP, { clientId });
    devices.push(first);
    const closed = new Promise<void>((r) => first.client.once('close', () => r()));
    const again = await TestDevice.connect(b.mqttPort, ...COOP, { clientId });
    devices.push(again);
    await Promise.race([closed, sleep(5000).then(() => Promise.reject(new Error('old connection still open')))]);
    await sleep(500);
    expect(again.client.connected).toBe(true); // the new connection is the one kept
  });

  it('does not announce a radio connected to node A offline when another node starts', async () => {
    const status = topics.deviceStatus('town', 'radio-tesco');
    const control = await connect(a.mqttPort, CONTROL);
    await control.subscribe(status);
    const tesco = await connect(a.mqttPort, ['radio-tesco', 'radio-tesco-secret-for-tests']);
    await control.waitFor((m) => m.topic === status && m.json.status === 'online', 5000);
    const d = await cluster.start('node-d');
    await sleep(1000);
    const statuses = control.messages.filter((m) => m.topic === status).map((m) => m.json.status);
    expect(statuses[statuses.length - 1]).toBe('online');
    expect(d.services.presence.isOnline('radio-tesco')).toBe(true);
    await tesco.end();
    await until("D's presence has it offline", () => !d.services.presence.isOnline('radio-tesco'));
  });

  it('turns the devices of a node killed with SIGKILL offline once its heartbeat runs out', async () => {
    const [mqttPort, httpPort] = [await freePort(), await freePort()];
    const databaseUrl = await cluster.databaseUrl();
    const env = {
      SHOPWATCH_REDIS_URL: redis.url,
      SHOPWATCH_NODE_ID: 'node-c',
      ...(databaseUrl ? { SHOPWATCH_DATABASE_URL: databaseUrl } : {}),
    };
    const c = spawnHub(cluster.dataDir, cluster.seed, mqttPort, httpPort, env);
    try {
      await waitReady(httpPort);
      const status = topics.deviceStatus('town', 'radio-tesco');
      const control = await connect(b.mqttPort, CONTROL);
      await control.subscribe(status);
      const tesco = await TestDevice.connect(mqttPort, 'radio-tesco', 'radio-tesco-secret-for-tests');
      await until("B's presence has it online", () => b.services.presence.isOnline('radio-tesco'));
      await control.waitFor((m) => m.topic === status && m.json.status === 'online', 5000);

      c.kill('SIGKILL'); // no disconnect is ever announced, its connection row stays behind
      await new Promise((r) => c.once('exit', r));
      tesco.client.end(true);
      const killedAt = Date.now();
      // Heartbeat TTL 5 s, sweeps every ~1.7 s: offline within ~7 s (margin for a loaded box).
      await until("B's presence has it offline", () => !b.services.presence.isOnline('radio-tesco'), 15_000);
      await control.waitFor((m) => m.topic === status && m.json.status === 'offline', 5000);
      expect(Date.now() - killedAt).toBeGreaterThan(3000); // not before the heartbeat could run out
      // A learns it from B's bus event and then re-counts in the store: shortly after, not at the same instant.
      await until("A's presence has it offline", () => !a.services.presence.isOnline('radio-tesco'), 5000);
    } finally {
      if (c.exitCode === null) c.kill('SIGKILL');
    }
  }, 60_000);

  it("refreshes node B's directory at once when provisioning changes on node A", async () => {
    const seed = testScheme();
    const town = seed.schemes![0]!;
    town.zones.push({ id: 'east', name: 'East' });
    town.stores!.push({ id: 'lidl', name: 'Lidl', zone: 'east' });
    seed.devices!.push({
      id: 'radio-lidl',
      kind: 'radio',
      scheme: 'town',
      store: 'lidl',
      secret: 'radio-lidl-secret-for-the-cluster',
    });
    const east = topics.zoneAlerts('town', 'east');
    // B has read the scheme (zones) into its cache before the change.
    expect((await b.services.dir.scheme('town')).zones.map((z) => z.id)).not.toContain('east');
    await a.reprovision(writeSeed(tempDir(), seed));
    const changedAt = Date.now();
    const lidl = await connect(b.mqttPort, ['radio-lidl', 'radio-lidl-secret-for-the-cluster']);
    // B does not poll (see beforeAll): only the bus message can make it grant the new zone. A try
    // before that message lands is refused (SUBACK 0x80, which mqtt.js raises as an error): again.
    // The bound is for a loaded CI box; the message itself takes milliseconds (printed).
    const granted = async () => (await lidl.subscribe(east).catch(() => []))[0]?.qos === 1;
    await until('B grants the new zone', granted, 10_000);
    console.log(`[cluster-redis] B granted the new zone ${Date.now() - changedAt} ms after A applied it`);
  });

  it('disconnects a device removed by provisioning on node A from node B', async () => {
    const argos = await connect(b.mqttPort, ['radio-argos', 'radio-argos-secret-for-tests']);
    const closed = new Promise<void>((r) => argos.client.once('close', () => r()));
    const seed = testScheme();
    seed.devices = seed.devices!.filter((d) => d.id !== 'radio-argos');
    await a.reprovision(writeSeed(tempDir(), seed));
    // B learns of it from the bus when A has applied it (B does not poll here, see beforeAll).
    await Promise.race([closed, sleep(10_000).then(() => Promise.reject(new Error('still connected to B')))]);
  });

  it('keeps delivering after Redis restarts: both nodes reconnect and a raise after it arrives', async () => {
    const coop = await connect(b.mqttPort, COOP);
    await coop.subscribe(NORTH);
    const boots = await connect(a.mqttPort, BOOTS);
    const { ws, msgs } = await browser(b.http);
    await redis.restart(() => sleep(500));
    // The nodes' connections come back within their retry period (at most a second apart).
    await sleep(2500);
    await boots.publish(topics.alertRaise('town'), {
      type: 'shoplifting',
      severity: 'high',
      clientRef: 'after-restart',
    });
    const ev = await coop.waitFor((m) => m.json?.alert?.clientRef === 'after-restart', 10_000);
    expect(ev.json.event).toBe('raised');
    // The bus re-subscribed too: node B's browser hears of the alert raised on node A.
    await until('the browser on B sees it', () =>
      msgs.some((m) => m.type === 'alert' && m.event.alert.clientRef === 'after-restart'),
    );
    ws.close();
  }, 30_000);
});

describe('a hub node while Redis is down', () => {
  it('still stops, within seconds, leaving nothing running', async () => {
    const redis = await startRedis();
    const cluster = new TestCluster(redis.url);
    try {
      const node = await cluster.start('node-alone');
      const radio = await TestDevice.connect(node.mqttPort, ...COOP);
      await redis.stop();
      await sleep(500);
      const started = Date.now();
      await cluster.stop(); // the session close and the router wait on Redis: bounded by a grace
      expect(Date.now() - started).toBeLessThan(8000);
      radio.client.end(true);
    } finally {
      await redis.stop();
    }
  }, 30_000);
});
