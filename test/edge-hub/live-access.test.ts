import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorBody } from '@shopwatch/protocols';
import type { RunningHub } from '../../hub/src/hub';
import { type LiveEdge, TestViewer, login, startLiveEdge, startLiveHub } from './support/live';

/**
 * Who may watch, what is audited, and what a hostile edge box or browser cannot do — each checked
 * from the side of the one protected: the viewer that must not receive, the socket that must close.
 */
let hub: RunningHub & { http: string; ws: string };
let edge: LiveEdge;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  hub = await startLiveHub({ live: { graceMs: 1000, startTimeoutMs: 5000 } });
  edge = await startLiveEdge(hub);
  const users: [string, string][] = [
    ['operator', 'operator-password'],
    ['admin', 'admin-password'],
    ['warden', 'warden-password'],
    ['boots-staff', 'boots-password'],
    ['tesco-staff', 'tesco-password'],
    ['city-operator', 'city-password'],
    ['argos-staff', 'argos-password'],
  ];
  for (const [u, p] of users) tokens[u] = await login(hub.http, u, p);
}, 60_000);

afterAll(async () => {
  await edge?.stop();
  await hub?.stop();
});

async function refusal(user: string, deviceId = 'edge-boots', cameraId = 'door') {
  const v = await TestViewer.open(hub.ws, tokens[user]!, deviceId, cameraId);
  await v.until(() => v.error() !== undefined);
  const closed = await v.closed;
  expect(ErrorBody.safeParse(v.error()!.error).success).toBe(true);
  expect(v.segments).toHaveLength(0); // not one byte of video
  return { code: v.error()!.error.code, closed };
}

const live = async (user: string) => {
  const v = await TestViewer.open(hub.ws, tokens[user]!, 'edge-boots', 'door');
  await v.until(() => v.fragments.length >= 1);
  return v;
};

describe('who may watch a camera live', () => {
  it('lets operators and admins of the scheme watch', async () => {
    const [a, b] = await Promise.all([live('operator'), live('admin')]);
    await Promise.all([a.close(), b.close()]);
  }, 30_000);

  it("lets a member watch their own store's camera where the scheme allows it, and no other store's", async () => {
    const own = await live('boots-staff');
    await own.close();
    expect((await refusal('tesco-staff')).code).toBe('forbidden');
  }, 30_000);

  it('refuses a member where the scheme leaves member live view at its default (off)', async () => {
    const city = await startLiveEdge(hub, { id: 'edge-argos', secret: 'edge-argos-secret-for-tests', scheme: 'city' });
    try {
      const r = await refusal('argos-staff', 'edge-argos', 'door');
      expect(r.code).toBe('forbidden');
      expect(city.streamer.started).toBe(0); // the box was never asked
    } finally {
      await city.stop();
    }
  }, 30_000);

  it("refuses wardens, and answers another scheme's operator as if the camera did not exist", async () => {
    expect((await refusal('warden')).code).toBe('forbidden');
    expect((await refusal('city-operator')).code).toBe('not_found');
    expect((await refusal('operator', 'edge-boots', 'no-such-camera')).code).toBe('not_found');
  }, 30_000);

  it('refuses a token in the URL and an open before hello, and wants a reason', async () => {
    const inUrl = await TestViewer.connect(hub.ws, { path: `/live/view?token=${tokens.operator}` });
    await inUrl.until(() => inUrl.error() !== undefined);
    expect(inUrl.error()!.error.code).toBe('bad_request');
    await inUrl.closed;

    const early = await TestViewer.connect(hub.ws);
    early.send({ type: 'open', deviceId: 'edge-boots', cameraId: 'door', reason: 'no hello first' });
    await early.until(() => early.error() !== undefined);
    expect(early.error()!.error.code).toBe('unauthenticated');

    const noReason = await TestViewer.connect(hub.ws);
    noReason.send({ type: 'hello', token: tokens.operator });
    noReason.send('{not json');
    noReason.send({ type: 'open', deviceId: 'edge-boots', cameraId: 'door', reason: '' });
    await noReason.until(() => noReason.messages.filter((m) => m.type === 'error').length >= 2);
    const codes = noReason.messages.filter((m) => m.type === 'error').map((m) => (m as any).error.code);
    expect(codes).toEqual(['bad_request', 'bad_request']);
    expect(noReason.segments).toHaveLength(0);
    noReason.close();
    early.close();
  }, 30_000);

  it("accepts the session cookie from a page of the hub's own origin only", async () => {
    const host = new URL(hub.http).host;
    const cookie = `sw_session=${tokens.operator}`;
    const own = await TestViewer.connect(hub.ws, { headers: { cookie, origin: hub.http } });
    await own.until(() => own.messages.some((m) => m.type === 'authenticated'));
    own.close();
    const foreign = await TestViewer.connect(hub.ws, { headers: { cookie, origin: 'https://evil.example', host } });
    foreign.send({ type: 'open', deviceId: 'edge-boots', cameraId: 'door', reason: 'cross-site attempt' });
    await foreign.until(() => foreign.error() !== undefined);
    expect(foreign.error()!.error.code).toBe('unauthenticated');
    expect(foreign.segments).toHaveLength(0);
  }, 30_000);
});

describe('the cameras a user may watch', () => {
  const cameras = async (user: string) => {
    const r = await fetch(`${hub.http}/api/live/cameras`, { headers: { authorization: `Bearer ${tokens[user]}` } });
    expect(r.status).toBe(200);
    return ((await r.json()) as { deviceId: string; cameraId: string }[]).map((c) => `${c.deviceId}/${c.cameraId}`);
  };

  it(
    "lists the scheme's cameras for operators, their own store's for members where allowed, " + 'none for wardens',
    async () => {
      expect(await cameras('operator')).toEqual(['edge-boots/door']);
      expect(await cameras('boots-staff')).toEqual(['edge-boots/door']);
      expect(await cameras('tesco-staff')).toEqual([]);
      expect(await cameras('warden')).toEqual([]);
      expect(await cameras('city-operator')).not.toContain('edge-boots/door'); // another scheme's
      expect(await cameras('argos-staff')).toEqual([]); // member live view off by default
    },
  );
});

describe('audit of live views', () => {
  it('records who watched which camera, why, from when to when', async () => {
    const v = await TestViewer.open(hub.ws, tokens.admin!, 'edge-boots', 'door', 'alert 42: man in grey hoodie');
    await v.until(() => v.fragments.length >= 1);
    await v.close();
    await new Promise((r) => setTimeout(r, 200));
    const entries = (
      await hub.services.audit.list({ scheme: 'town', objectKind: 'camera', objectId: 'edge-boots/door' })
    ).filter((e) => e.actor.id === 'admin' && e.detail?.reason === 'alert 42: man in grey hoodie');
    expect(entries.map((e) => e.detail!.what).sort()).toEqual(['live view closed', 'live view opened']);
    const closed = entries.find((e) => e.detail!.what === 'live view closed')!;
    expect(closed.action).toBe('view');
    const [start, end] = [closed.detail!.startedAt, closed.detail!.endedAt].map((t) => Date.parse(String(t)));
    expect(end).toBeGreaterThanOrEqual(start!);
    expect((await hub.services.audit.verify()).ok).toBe(true);
  }, 30_000);
});

describe('device board thumbnails', () => {
  const get = (user: string, path = '/api/live/thumbnails/edge-boots/door') =>
    fetch(`${hub.http}${path}`, { headers: { authorization: `Bearer ${tokens[user]}` } });

  it('serves a JPEG of the camera to those who may watch it, fetched from the box at most once per 10 s', async () => {
    const spawned: string[] = [];
    const spy = (topic: string, payload: Buffer) =>
      topic.endsWith('/live/request') && spawned.push(JSON.parse(payload.toString()).action);
    edge.client.on('message', spy);
    const first = await get('operator');
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toBe('image/jpeg');
    const jpeg = Buffer.from(await first.arrayBuffer());
    expect([jpeg[0], jpeg[1], jpeg.at(-2), jpeg.at(-1)]).toEqual([0xff, 0xd8, 0xff, 0xd9]);
    const again = await get('admin');
    expect(Buffer.from(await again.arrayBuffer()).equals(jpeg)).toBe(true); // the cached picture
    edge.client.off('message', spy);
    expect(spawned.filter((a) => a === 'thumbnail')).toHaveLength(1);
  }, 30_000);

  it('refuses thumbnails to those who may not watch', async () => {
    const r = await get('warden');
    expect(r.status).toBe(403);
    expect(ErrorBody.safeParse(await r.json()).success).toBe(true);
    expect((await get('city-operator')).status).toBe(404);
    expect((await fetch(`${hub.http}/api/live/thumbnails/edge-boots/door`)).status).toBe(401);
  });
});

describe('a hostile edge box', () => {
  const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
  const dial = (headers: Record<string, string>, stream = 'AAAAAAAAAAAAAAAAAAAAAA') =>
    new Promise<{ status?: number; socket?: WebSocket }>((resolve) => {
      const ws = new WebSocket(`${hub.ws}/live/edge?stream=${stream}`, { headers });
      ws.on('unexpected-response', (_req, res) => resolve({ status: res.statusCode }));
      ws.on('open', () => resolve({ socket: ws }));
      ws.on('error', () => resolve({}));
    });

  it('cannot dial in without its secret, nor as a radio', async () => {
    expect((await dial({ authorization: basic('edge-boots', 'wrong-secret') })).status).toBe(401);
    expect((await dial({})).status).toBe(401);
    expect((await dial({ authorization: basic('radio-boots', 'radio-boots-secret-for-tests') })).status).toBe(403);
  });

  it("cannot push a stream nobody asked it for, nor join another box's stream", async () => {
    const watcher = await live('operator');
    const streamId = hub.services.live.sessions.active[0]!.streamId;
    // The right stream id, but another edge box: refused, and the viewer never sees its bytes.
    const argos = await dial({ authorization: basic('edge-argos', 'edge-argos-secret-for-tests') }, streamId);
    const intruderClosed = new Promise<number>((r) => argos.socket!.on('close', (code) => r(code)));
    argos.socket!.send(Buffer.from('not a video'));
    expect(await intruderClosed).toBe(1008);
    const unasked = await dial({ authorization: basic('edge-boots', 'edge-boots-secret-for-tests') });
    expect(await new Promise<number>((r) => unasked.socket!.on('close', (code) => r(code)))).toBe(1008);
    const before = watcher.segments.length;
    await watcher.until(() => watcher.segments.length >= before + 3);
    expect(watcher.segments.every((s) => s.subarray(4, 8).toString() !== 'not ')).toBe(true);
    await watcher.close();
  }, 30_000);

  it('ends the stream at its first malformed segment, and viewers never receive it', async () => {
    // Act as the edge box itself: answer the hub's MQTT request with a socket that sends garbage.
    await edge.streamer.stop();
    const { default: mqtt } = await import('mqtt');
    const fake = await mqtt.connectAsync(`mqtt://127.0.0.1:${hub.mqttPort}`, {
      username: 'edge-boots',
      password: 'edge-boots-secret-for-tests',
      clientId: 'edge-boots:fake',
      reconnectPeriod: 0,
    });
    await fake.subscribeAsync('shopwatch/town/devices/edge-boots/live/request', { qos: 1 });
    fake.on('message', async (_t, payload) => {
      const req = JSON.parse(payload.toString());
      if (req.action !== 'start') return;
      const { socket } = await dial(
        { authorization: basic('edge-boots', 'edge-boots-secret-for-tests') },
        req.streamId,
      );
      // A valid-looking box header whose size runs past the message.
      const bad = Buffer.alloc(16);
      bad.writeUInt32BE(1000, 0);
      bad.write('ftyp', 4);
      socket!.send(bad);
    });
    const v = await TestViewer.open(hub.ws, tokens.operator!, 'edge-boots', 'door', 'testing a broken box');
    await v.until(() => v.messages.some((m) => m.type === 'ended'));
    expect((v.messages.find((m) => m.type === 'ended') as { reason: string }).reason).toMatch(/malformed segment/);
    expect(v.segments).toHaveLength(0);
    await v.closed;
    await fake.endAsync();
  }, 30_000);

  it('cannot answer a request the hub sent to another box, even before that box dials in', async () => {
    // edge-boots hears its request but waits; edge-argos (another scheme) races in with the id.
    await edge.streamer.stop(); // the real streamer would answer at once
    const { default: mqtt } = await import('mqtt');
    const boots = await mqtt.connectAsync(`mqtt://127.0.0.1:${hub.mqttPort}`, {
      username: 'edge-boots',
      password: 'edge-boots-secret-for-tests',
      clientId: 'edge-boots:slow',
      reconnectPeriod: 0,
    });
    await boots.subscribeAsync('shopwatch/town/devices/edge-boots/live/request', { qos: 1 });
    const requested = new Promise<string>((r) => boots.on('message', (_t, p) => r(JSON.parse(p.toString()).streamId)));
    const v = await TestViewer.open(hub.ws, tokens.operator!, 'edge-boots', 'door', 'race test');
    const streamId = await requested;
    const intruder = await dial({ authorization: basic('edge-argos', 'edge-argos-secret-for-tests') }, streamId);
    const closed = new Promise<number>((r) => intruder.socket!.on('close', (code) => r(code)));
    intruder.socket!.send(Buffer.from('forged init segment'));
    expect(await closed).toBe(1008);
    await new Promise((r) => setTimeout(r, 300));
    expect(v.segments).toHaveLength(0);
    expect(v.messages.some((m) => m.type === 'ready')).toBe(false);
    expect(hub.services.live.sessions.session('edge-boots', 'door')?.edgeConnected).toBe(false);
    await v.close();
    await boots.endAsync();
  }, 30_000);
});
