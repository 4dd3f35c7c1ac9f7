import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestDevice } from '../support/mqtt';
import { login, startTestHub, tempDir, testScheme, writeSeed } from '../support/hub';
import { freePort } from '../support/ports';
import { WsClient, closedWithin, frame, rawUpgrade } from './ws-support';

/**
 * One malformed WebSocket frame used to stop the whole hub (an 'error' event with no listener).
 * Each case here is sent unauthenticated over a raw TCP socket; the victim is everyone else:
 * after all of them a normal browser still logs in and hears an alert, and a radio still
 * connects over MQTT.
 */
describe('malformed WebSocket frames close only their own socket', () => {
  let hub: Awaited<ReturnType<typeof startTestHub>>;
  beforeAll(async () => {
    hub = await startTestHub();
  });
  afterAll(async () => hub?.stop());

  const text = (s: string | Buffer) => (typeof s === 'string' ? Buffer.from(s) : s);
  const CASES: [string, () => Buffer][] = [
    [
      'a frame announcing 2^40 bytes (over the payload limit)',
      () => frame({ opcode: 1, declaredLength: 1n << 40n, payload: Buffer.alloc(16) }),
    ],
    ['a text frame with invalid UTF-8', () => frame({ opcode: 1, payload: Buffer.from([0x7b, 0xff, 0xfe, 0xc3]) })],
    ['a frame with RSV1 set and no extension', () => frame({ opcode: 1, rsv: 4, payload: text('{"type":"ping"}') })],
    ['a frame with RSV2+RSV3 set', () => frame({ opcode: 1, rsv: 3, payload: text('{}') })],
    ['a reserved data opcode (0x3)', () => frame({ opcode: 3, payload: text('x') })],
    ['a reserved control opcode (0xB)', () => frame({ opcode: 0xb, payload: text('x') })],
    ['an unmasked client frame', () => frame({ opcode: 1, payload: text('{"type":"ping"}'), mask: false })],
    ['a fragmented control frame', () => frame({ opcode: 9, fin: false, payload: text('x') })],
    ['a continuation with nothing to continue', () => frame({ opcode: 0, payload: text('x') })],
    ['a close frame with an invalid code', () => frame({ opcode: 8, payload: Buffer.from([0x03, 0xe7]) })],
  ];

  // The payload limits: 64 KiB for the browser socket, 1 MiB for MQTT over WebSocket.
  const LIMIT: Record<string, bigint> = { '/ws': 64n * 1024n, '/mqtt': 1024n * 1024n };
  for (const path of ['/ws', '/mqtt']) {
    const overLimit: [string, () => Buffer] = [
      'a frame announcing one byte over the payload limit',
      () => frame({ opcode: 2, declaredLength: LIMIT[path]! + 1n, payload: Buffer.alloc(16) }),
    ];
    for (const [what, make] of [...CASES, overLimit]) {
      it(`${path}: ${what} → that socket closed, hub up`, async () => {
        const headers: Record<string, string> = path === '/mqtt' ? { 'Sec-WebSocket-Protocol': 'mqtt' } : {};
        const victim = await rawUpgrade(hub.httpPort, path, headers);
        const bystander = await rawUpgrade(hub.httpPort, path, headers);
        victim.write(make());
        await closedWithin(victim, 5000);
        // The other socket on the same path is untouched, and HTTP still answers.
        expect(bystander.destroyed).toBe(false);
        expect((await fetch(`${hub.http}/healthz`)).status).toBe(200);
        bystander.destroy();
      });
    }
  }

  it('survives garbage before the handshake and a reset mid-handshake', async () => {
    const net = await import('node:net');
    const s = net.connect(hub.httpPort, '127.0.0.1');
    s.on('error', () => undefined);
    await new Promise((r) => s.once('connect', r));
    s.write('GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n');
    s.resetAndDestroy();
    const g = net.connect(hub.httpPort, '127.0.0.1');
    g.on('error', () => undefined);
    await new Promise((r) => g.once('connect', r));
    g.resume();
    g.write('\x00\x01\x02 not http at all\r\n\r\n');
    await closedWithin(g, 5000);
    expect((await fetch(`${hub.http}/healthz`)).status).toBe(200);
  });

  it('after every attack a browser still logs in and hears an alert, and a radio connects', async () => {
    const token = await login(hub.http, 'operator', 'operator-password');
    const member = await login(hub.http, 'boots-staff', 'boots-password');
    const ws = await WsClient.open(`${hub.http.replace('http', 'ws')}/ws`);
    ws.send({ type: 'hello', token });
    await ws.waitFor((m) => m.type === 'welcome');
    const raised = await fetch(`${hub.http}/api/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${member}` },
      body: JSON.stringify({ type: 'shoplifting', severity: 'high', clientRef: 'after-frames' }),
    });
    expect(raised.status).toBe(201);
    await ws.waitFor((m) => m.type === 'alert' && m.event.alert.clientRef === 'after-frames');
    const radio = await TestDevice.connect(hub.mqttPort, 'radio-coop', 'radio-coop-secret-for-tests');
    await radio.end();
    ws.ws.close();
  });
});

describe('the hub as its own process (npm run hub)', () => {
  let child: ChildProcess | null = null;
  afterAll(() => void child?.kill('SIGKILL'));

  it('is still running after malformed frames on /ws and /mqtt', async () => {
    const dir = tempDir();
    const seed = writeSeed(dir, testScheme());
    const [mqttPort, httpPort] = [await freePort(), await freePort()];
    const root = path.resolve(import.meta.dirname, '../../..');
    child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'hub/src/main.ts')], {
      cwd: root,
      env: {
        ...process.env,
        SHOPWATCH_DATA_DIR: dir,
        SHOPWATCH_SEED: seed,
        SHOPWATCH_MQTT_PORT: String(mqttPort),
        SHOPWATCH_HTTP_PORT: String(httpPort),
        SHOPWATCH_HOST: '127.0.0.1',
        SHOPWATCH_LOG_LEVEL: 'fatal',
      },
      stdio: 'ignore',
    });
    const exited = new Promise<number | null>((r) => child!.once('exit', (code) => r(code)));
    const end = Date.now() + 30_000;
    const ready = () =>
      fetch(`http://127.0.0.1:${httpPort}/readyz`).then(
        (r) => r.status === 200,
        () => false,
      );
    while (Date.now() < end && !(await ready())) await new Promise((r) => setTimeout(r, 100));

    for (const [p, h] of [
      ['/ws', {}],
      ['/mqtt', { 'Sec-WebSocket-Protocol': 'mqtt' }],
    ] as const) {
      const s = await rawUpgrade(httpPort, p, h);
      s.write(frame({ opcode: 1, payload: Buffer.from([0xff, 0xfe]) }));
      await closedWithin(s, 5000);
      const t = await rawUpgrade(httpPort, p, h);
      t.write(frame({ opcode: 1, declaredLength: 1n << 40n, payload: Buffer.alloc(8) }));
      await closedWithin(t, 5000);
    }
    const halfSecond = new Promise<boolean>((r) => setTimeout(() => r(true), 500));
    const stillUp = await Promise.race([exited.then(() => false), halfSecond]);
    expect(stillUp).toBe(true);
    expect((await fetch(`http://127.0.0.1:${httpPort}/healthz`)).status).toBe(200);
  }, 60_000);
});
