import { type WsServerMessage, topics } from '@shopwatch/protocols';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login } from './support/hub';
import { TestCluster } from './support/cluster';
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
    b = await cluster.start('node-b');
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

  it('keeps delivering after Redis restarts: both nodes reconnect and a raise after it arrives', async () => {
    const coop = await connect(b.mqttPort, COOP);
    await coop.subscribe(NORTH);
    const boots = await connect(a.mqttPort, BOOTS);
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
  }, 30_000);
});
