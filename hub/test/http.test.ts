import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { AlertWithDeliveries, DeviceSummary, ErrorBody, LoginResponse, WsServerMessage } from '@shopwatch/protocols';
import { login, startTestHub } from './support/hub';
import { TestDevice } from './support/mqtt';

describe('HTTP API', () => {
  let hub: Awaited<ReturnType<typeof startTestHub>>;
  let op: string, member: string, warden: string, city: string;
  const api = (path: string, token?: string, init: RequestInit = {}) =>
    fetch(`${hub.http}${path}`, {
      ...init,
      headers: {
        'content-type': 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(init.headers ?? {}),
      },
    });
  const post = (path: string, token: string | undefined, body: unknown) =>
    api(path, token, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body) });
  async function expectError(res: Response, status: number, code: string) {
    expect(res.status).toBe(status);
    const body = ErrorBody.parse(await res.json());
    expect(body.code).toBe(code);
    expect(body.message.length).toBeGreaterThan(5);
    return body;
  }

  beforeAll(async () => {
    hub = await startTestHub();
    [op, member, warden, city] = await Promise.all([
      login(hub.http, 'operator', 'operator-password'),
      login(hub.http, 'boots-staff', 'boots-password'),
      login(hub.http, 'warden', 'warden-password'),
      login(hub.http, 'city-operator', 'city-password'),
    ]);
  });
  afterAll(async () => hub?.stop());

  it('logs in with a password and returns a token and who you are', async () => {
    const res = await post('/api/login', undefined, { username: 'boots-staff', password: 'boots-password' });
    const body = LoginResponse.parse(await res.json());
    expect(body.user).toEqual({
      username: 'boots-staff',
      displayName: null,
      role: 'member',
      scheme: 'town',
      store: 'boots',
      zone: 'north',
    });
    expect(Date.parse(body.expiresAt)).toBeGreaterThan(Date.now() + 3600_000);
  });

  it('refuses a wrong password, a missing token and a made-up token', async () => {
    await expectError(
      await post('/api/login', undefined, { username: 'operator', password: 'nope-nope' }),
      401,
      'unauthenticated',
    );
    await expectError(
      await post('/api/login', undefined, { username: 'nobody', password: 'nope-nope' }),
      401,
      'unauthenticated',
    );
    await expectError(await api('/api/alerts'), 401, 'unauthenticated');
    await expectError(await api('/api/alerts', 'made-up-token'), 401, 'unauthenticated');
  });

  it('raises, lists, acknowledges and closes an alert', async () => {
    const res = await post('/api/alerts', member, {
      type: 'shoplifting',
      severity: 'medium',
      message: 'razor blades',
      clientRef: 'http-1',
    });
    expect(res.status).toBe(201);
    const alert = AlertWithDeliveries.parse(await res.json());
    expect(alert).toMatchObject({
      store: 'boots',
      zone: 'north',
      raisedBy: { kind: 'user', id: 'boots-staff' },
      status: 'open',
    });
    const again = await post('/api/alerts', member, {
      type: 'shoplifting',
      severity: 'medium',
      message: 'razor blades',
      clientRef: 'http-1',
    });
    expect(again.status).toBe(200);
    expect(((await again.json()) as { id: string }).id).toBe(alert.id);

    const ack = await post(`/api/alerts/${alert.id}/ack`, warden, { status: 'attending', note: 'on my way' });
    expect(ack.status).toBe(200);
    const closed = await post(`/api/alerts/${alert.id}/close`, op, { outcome: 'left-area' });
    expect(closed.status).toBe(200);

    const list = (await (await api('/api/alerts?status=closed', op)).json()) as AlertWithDeliveries[];
    const found = list.find((a) => a.id === alert.id)!;
    expect(found.timeline.map((t) => `${t.kind}:${t.actor.id}`)).toEqual([
      'raised:boots-staff',
      'acknowledged:warden',
      'closed:operator',
    ]);
    await expectError(await post(`/api/alerts/${alert.id}/close`, op, { outcome: 'left-area' }), 409, 'conflict');
  });

  it('filters alerts by status, zone and time', async () => {
    await post('/api/alerts', op, { type: 'suspicious', severity: 'low', store: 'tesco', clientRef: 'http-south' });
    const south = (await (await api('/api/alerts?zone=south', op)).json()) as AlertWithDeliveries[];
    expect(south.length).toBeGreaterThan(0);
    expect(south.every((a) => a.zone === 'south')).toBe(true);
    const future = (await (
      await api(`/api/alerts?since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`, op)
    ).json()) as unknown[];
    expect(future).toEqual([]);
    await expectError(await api('/api/alerts?status=bogus', op), 400, 'bad_request');
    await expectError(await api('/api/alerts?since=yesterday', op), 400, 'bad_request');
  });

  it('shows a store member only its zone, and another scheme nothing', async () => {
    const mine = (await (await api('/api/alerts', member)).json()) as AlertWithDeliveries[];
    expect(mine.every((a) => a.zone === 'north' || a.priority)).toBe(true);
    const south = ((await (await api('/api/alerts', op)).json()) as AlertWithDeliveries[]).find(
      (a) => a.clientRef === 'http-south',
    )!;
    await expectError(await api(`/api/alerts/${south.id}`, member), 404, 'not_found');
    await expectError(await api(`/api/alerts/${south.id}`, city), 404, 'not_found');
    await expectError(await post(`/api/alerts/${south.id}/ack`, city, { status: 'seen' }), 404, 'not_found');
    expect((await (await api('/api/alerts', city)).json()) as unknown[]).toEqual([]);
  });

  it('checks roles: members cannot see the device board or raise for another store', async () => {
    await expectError(await api('/api/devices', member), 403, 'forbidden');
    await expectError(await api('/api/devices', warden), 403, 'forbidden');
    await expectError(
      await post('/api/alerts', member, { type: 'shoplifting', severity: 'low', store: 'tesco', clientRef: 'x' }),
      403,
      'forbidden',
    );
    await expectError(
      await post('/api/alerts', op, { type: 'shoplifting', severity: 'low', clientRef: 'no-place' }),
      400,
      'bad_request',
    );
    await expectError(
      await post('/api/alerts', op, {
        type: 'shoplifting',
        severity: 'low',
        store: 'argos',
        clientRef: 'other-scheme',
      }),
      400,
      'bad_request',
    );
  });

  it('lists devices with presence for the control room', async () => {
    const radio = await TestDevice.connect(hub.mqttPort, 'radio-tesco', 'radio-tesco-secret-for-tests');
    await new Promise((r) => setTimeout(r, 200));
    const list = (await (await api('/api/devices', op)).json()) as DeviceSummary[];
    list.forEach((d) => {
      DeviceSummary.parse(d);
    });
    expect(list.find((d) => d.id === 'radio-tesco')).toMatchObject({
      status: 'online',
      store: 'tesco',
      zone: 'south',
      duty: 'store',
    });
    expect(list.find((d) => d.id === 'radio-boots')).toMatchObject({ status: 'offline' });
    expect(list.some((d) => d.scheme !== 'town')).toBe(false);
    await radio.end();
  });

  it('refuses malformed JSON, unknown fields and oversize bodies with a clear error', async () => {
    const bad = await expectError(await post('/api/alerts', op, '{"type":'), 400, 'bad_request');
    expect(bad.message).toMatch(/malformed JSON/);
    const wrong = await expectError(
      await post('/api/alerts', op, { type: 'shoplifting', severity: 9, clientRef: 'x', store: 'boots' }),
      400,
      'bad_request',
    );
    expect(wrong.issues?.[0]?.path).toBe('severity');
    const extra = await expectError(
      await post('/api/alerts', op, {
        type: 'shoplifting',
        severity: 'low',
        clientRef: 'x',
        store: 'boots',
        ethnicity: 'x',
      }),
      400,
      'bad_request',
    );
    expect(extra.message).toMatch(/ethnicity/);
    await expectError(
      await post(
        '/api/alerts',
        op,
        JSON.stringify({
          type: 'shoplifting',
          severity: 'low',
          clientRef: 'x',
          store: 'boots',
          message: 'a'.repeat(200_000),
        }),
      ),
      413,
      'payload_too_large',
    );
    await expectError(await api('/api/nothing-here', op), 404, 'not_found');
  });

  it('serves health, readiness and Prometheus metrics', async () => {
    expect((await api('/healthz')).status).toBe(200);
    const ready = await api('/readyz');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ok', checks: { storage: 'ok', broker: 'ok' } });
    const metrics = await (await api('/metrics')).text();
    expect(metrics).toMatch(/shopwatch_alert_events_total\{event="raised"\} \d+/);
    expect(metrics).toMatch(/shopwatch_refused_total\{channel="http",code="unauthenticated"\} \d+/);
  });

  it('pushes alert events to a browser WebSocket and accepts acks over it', async () => {
    const ws = new WebSocket(`${hub.http.replace('http', 'ws')}/ws`);
    ws.on('open', () => ws.send(JSON.stringify({ type: 'hello', token: op })));
    const msgs: WsServerMessage[] = [];
    const waitFor = (pred: (m: WsServerMessage) => boolean) =>
      new Promise<WsServerMessage>((resolve, reject) => {
        const hit = msgs.find(pred);
        if (hit) return resolve(hit);
        const t = setTimeout(() => reject(new Error('timeout')), 5000);
        ws.on('message', (d) => {
          const m = WsServerMessage.parse(JSON.parse(d.toString()));
          if (pred(m)) clearTimeout(t), resolve(m);
        });
      });
    ws.on('message', (d) => msgs.push(WsServerMessage.parse(JSON.parse(d.toString()))));
    const welcome = await waitFor((m) => m.type === 'welcome');
    expect(welcome).toMatchObject({ user: { username: 'operator', role: 'operator' } });

    await post('/api/alerts', member, { type: 'violence', severity: 'critical', clientRef: 'ws-1' });
    const ev = (await waitFor((m) => m.type === 'alert' && m.event.alert.clientRef === 'ws-1')) as Extract<
      WsServerMessage,
      { type: 'alert' }
    >;
    ws.send(JSON.stringify({ type: 'ack', id: 'a1', alertId: ev.event.alert.id, ack: { status: 'attending' } }));
    const result = await waitFor((m) => m.type === 'result' && m.id === 'a1');
    expect((result as any).data.timeline.at(-1)).toMatchObject({
      kind: 'acknowledged',
      status: 'attending',
      actor: { kind: 'user', id: 'operator' },
    });
    ws.send('not json');
    const err = await waitFor((m) => m.type === 'error' && m.error.message.includes('malformed JSON'));
    expect(err).toMatchObject({ error: { code: 'bad_request' } });
    ws.close();

    const bad = new WebSocket(`${hub.http.replace('http', 'ws')}/ws`);
    bad.on('open', () => bad.send(JSON.stringify({ type: 'hello', token: 'forged' })));
    const code = await new Promise<number>((r) => bad.on('close', (c) => r(c)));
    expect(code).toBe(4001);
  });

  it('answers 404 to a WebSocket upgrade on an unknown path', async () => {
    const ws = new WebSocket(`${hub.http.replace('http', 'ws')}/nowhere`);
    const err = await new Promise<Error>((r) => ws.on('error', r));
    expect(err.message).toMatch(/404/);
  });

  it('slows down password guessing', async () => {
    let last: Response | null = null;
    for (let i = 0; i < 12; i++)
      last = await post('/api/login', undefined, { username: 'coord', password: `guess-${i}` });
    await expectError(last!, 429, 'rate_limited');
    expect(last!.headers.get('retry-after')).toMatch(/^\d+$/);
    // Even the right password is refused while the limit holds.
    await expectError(
      await post('/api/login', undefined, { username: 'coord', password: 'coord-password' }),
      429,
      'rate_limited',
    );
  });
});
