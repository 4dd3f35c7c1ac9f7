import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { topics } from '@shopwatch/protocols';
import { TestDevice, sleep } from '../support/mqtt';
import { type HubProcess, rawSocket, remainingLength, spawnHub } from './support';

const MB = 1024 * 1024;

/** The fixed header of a CONNECT packet that announces `bytes` of body ([MQTT-3.1.1]). */
const connectHeader = (bytes: number) => Buffer.concat([Buffer.from([0x10]), remainingLength(bytes)]);
/** A plausible start of that body, so the parser has no other reason to give up. */
const connectStart = Buffer.from([0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, 0xc2, 0x00, 0x3c]);

/**
 * Bounded memory and sockets, measured on a hub running as its own process: what an
 * unauthenticated or flooding client can make it hold, and that it closes only that socket.
 */
describe('MQTT: every socket is bounded and guarded', () => {
  let hub: HubProcess;
  beforeAll(async () => {
    hub = await spawnHub();
  }, 90_000);
  afterAll(async () => hub?.stop());

  it('cuts off at once three unauthenticated CONNECTs announcing 150 MB each, without growing', async () => {
    const before = hub.rss();
    const socks = await Promise.all([0, 1, 2].map(() => rawSocket(hub.mqttPort)));
    const started = Date.now();
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    let sent = 0;
    for (const { sock } of socks) sock.write(Buffer.concat([connectHeader(150 * MB), connectStart]));
    // Keep streaming body bytes slowly, as an attacker would, for up to 3 s.
    while (Date.now() - started < 3000 && socks.some((s) => !s.sock.destroyed)) {
      for (const { sock } of socks) if (!sock.destroyed) sent += sock.write(chunk) ? chunk.length : 0;
      await sleep(20);
    }
    const closedAt = await Promise.race([Promise.all(socks.map((s) => s.closed)), sleep(3000).then(() => null)]);
    expect(closedAt, 'the hub closed every socket').not.toBeNull();
    const grew = hub.rss() - before;
    console.info(
      `150 MB CONNECTs: closed after ${closedAt!.map((t) => t - started).join('/')} ms, ` +
        `hub RSS grew ${(grew / MB).toFixed(1)} MB, ${(sent / MB).toFixed(1)} MB accepted by the kernel`,
    );
    for (const t of closedAt!) expect(t - started).toBeLessThan(1500);
    expect(grew).toBeLessThan(8 * MB);
  });

  it('cuts off the same CONNECT over MQTT-over-WebSocket, even in frames below the WebSocket limit', async () => {
    const before = hub.rss();
    const ws = new WebSocket(`ws://127.0.0.1:${hub.httpPort}/mqtt`, 'mqtt');
    ws.on('error', () => {});
    const closed = new Promise<number>((r) => ws.once('close', () => r(Date.now())));
    await new Promise((r) => ws.once('open', r));
    const started = Date.now();
    ws.send(Buffer.concat([connectHeader(150 * MB), connectStart]));
    const frame = Buffer.alloc(256 * 1024, 0x61); // each frame is under the 1 MiB WebSocket maxPayload
    while (Date.now() - started < 3000 && ws.readyState === WebSocket.OPEN) {
      ws.send(frame);
      await sleep(20);
    }
    const at = await Promise.race([closed, sleep(3000).then(() => null)]);
    expect(at, 'the hub closed the WebSocket').not.toBeNull();
    expect(at! - started).toBeLessThan(1500);
    expect(hub.rss() - before).toBeLessThan(8 * MB);
  });

  it('closes a socket that sends no CONNECT within the grace period', async () => {
    const { closed } = await rawSocket(hub.mqttPort);
    const started = Date.now();
    const at = await Promise.race([closed, sleep(9000).then(() => null)]);
    expect(at, 'closed before 9 s').not.toBeNull();
    expect(at! - started).toBeGreaterThan(3000); // a slow but honest device gets a few seconds
    expect(at! - started).toBeLessThan(7000);
  }, 15_000);

  it('closes a socket that sends garbage (TCP and WebSocket) and keeps serving everyone else', async () => {
    const { sock, closed } = await rawSocket(hub.mqttPort);
    sock.write(Buffer.from('GET / HTTP/1.1\r\n\r\n\xff\xff\xff\xff\xff'));
    const ws = new WebSocket(`ws://127.0.0.1:${hub.httpPort}/mqtt`, 'mqtt');
    ws.on('error', () => {});
    const wsClosed = new Promise((r) => ws.once('close', r));
    await new Promise((r) => ws.once('open', r));
    ws.send(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0x00]));
    await Promise.all([closed, wsClosed]);
    const dev = await TestDevice.connect(hub.mqttPort, 'radio-boots', 'radio-boots-secret-for-tests');
    await dev.publish(topics.alertRaise('town'), { type: 'suspicious', severity: 'low', clientRef: 'after-garbage' });
    await dev.end();
    expect(hub.child.exitCode).toBeNull();
  });

  it('rate-limits and then disconnects a flooding device; other devices keep raising', async () => {
    const flooder = await TestDevice.connect(hub.mqttPort, 'radio-tesco', 'radio-tesco-secret-for-tests');
    await flooder.subscribe(topics.deviceErrors('town', 'radio-tesco'));
    const closed = new Promise<number>((r) => flooder.client.once('close', () => r(Date.now())));
    const other = await TestDevice.connect(hub.mqttPort, 'radio-boots', 'radio-boots-secret-for-tests');
    await other.subscribe(topics.zoneAlerts('town', 'north'));
    // Thousands of receipts per second (QoS 0), for up to 10 s or until the hub hangs up.
    let sent = 0;
    const flood = (async () => {
      const end = Date.now() + 10_000;
      while (flooder.client.connected && Date.now() < end) {
        const topic = topics.alertReceipt('town', 'no-such-alert');
        for (let i = 0; i < 100; i++) flooder.client.publish(topic, '{}', { qos: 0 });
        sent += 100;
        await sleep(5);
      }
    })();
    // Meanwhile an honest radio raises and hears its alert.
    await other.publish(topics.alertRaise('town'), { type: 'suspicious', severity: 'low', clientRef: 'during-flood' });
    await other.waitFor((m) => m.json?.alert?.clientRef === 'during-flood', 10_000);
    const at = await Promise.race([closed, sleep(15_000).then(() => null)]);
    await flood;
    expect(at, `the flooder was disconnected (after ${sent} packets)`).not.toBeNull();
    expect(flooder.errors().some((e) => e.code === 'rate_limited')).toBe(true);
    expect(other.client.connected).toBe(true);
    await other.publish(topics.alertRaise('town'), { type: 'suspicious', severity: 'low', clientRef: 'after-flood' });
    await other.waitFor((m) => m.json?.alert?.clientRef === 'after-flood', 10_000);
    await other.end();
  }, 40_000);
});
