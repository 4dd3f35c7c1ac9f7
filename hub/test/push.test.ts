import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorBody, PushKey, PushMessage } from '@shopwatch/protocols';
import { login, startTestHub } from './support/hub';
import { LocalPushService } from './support/push-endpoint';
import { loadOrCreateVapidKeys } from '../src/push/vapid-keys';
import { logger } from '../src/log';

const until = async (what: string, check: () => boolean | Promise<boolean>, ms = 15_000) => {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
};

describe('Web Push (RFC 8030/8291, VAPID RFC 8292)', () => {
  let hub: Awaited<ReturnType<typeof startTestHub>>;
  let pushService: LocalPushService;
  let op: string, boots: string, tesco: string, warden: string;
  const api = (p: string, token: string | undefined, method = 'GET', body?: unknown) =>
    fetch(`${hub.http}${p}`, {
      method,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
  let n = 0;
  const raise = (store: string, severity = 'high', message?: string) =>
    api('/api/alerts', op, 'POST', {
      type: 'shoplifting',
      severity,
      store,
      clientRef: `push-${++n}`,
      ...(message ? { message } : {}),
    }).then(async (r) => ((await r.json()) as { id: string }).id);

  beforeAll(async () => {
    pushService = await new LocalPushService().start();
    hub = await startTestHub();
    [op, boots, tesco, warden] = await Promise.all([
      login(hub.http, 'operator', 'operator-password'),
      login(hub.http, 'boots-staff', 'boots-password'),
      login(hub.http, 'tesco-staff', 'tesco-password'),
      login(hub.http, 'warden', 'warden-password'),
    ]);
  });
  afterAll(async () => {
    await hub?.stop();
    await pushService?.close();
  });

  it('generates the VAPID key pair on first start into a 0600 file and keeps it across restarts', async () => {
    const file = path.join(hub.dataDir, 'vapid.json');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const res = await api('/api/push/key', boots);
    const { publicKey } = PushKey.parse(await res.json());
    expect(Buffer.from(publicKey, 'base64url')).toHaveLength(65);
    expect(JSON.parse(fs.readFileSync(file, 'utf8')).publicKey).toBe(publicKey);
    expect((await api('/api/push/key', undefined)).status).toBe(401);
    // What the next start does with the same data dir: the same keys, and a widened mode narrowed.
    fs.chmodSync(file, 0o644);
    expect(loadOrCreateVapidKeys(hub.dataDir, logger('test')).publicKey).toBe(publicKey);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  });

  it('delivers an encrypted, VAPID-signed push to subscribers whose zone receives the alert, no one else', async () => {
    const bootsSub = pushService.subscribe('boots-phone');
    const tescoSub = pushService.subscribe('tesco-phone');
    const wardenSub = pushService.subscribe('warden-phone');
    const saved = await api('/api/push/subscriptions', boots, 'POST', { ...bootsSub, device: 'Pixel (Chrome)' });
    expect(saved.status).toBe(201);
    expect((await api('/api/push/subscriptions', tesco, 'POST', tescoSub)).status).toBe(201);
    expect((await api('/api/push/subscriptions', warden, 'POST', wardenSub)).status).toBe(201);

    const id = await raise('boots', 'high', 'Two men, grey hoodies, razors');
    await until(
      'push to the Boots phone and the warden',
      () => pushService.to('boots-phone').length === 1 && pushService.to('warden-phone').length === 1,
    );
    const [got] = pushService.to('boots-phone');
    const msg = PushMessage.parse(JSON.parse(got!.plaintext));
    expect(msg).toMatchObject({ alertId: id, event: 'raised', severity: 'high', url: `/field?alert=${id}` });
    expect(msg.body).toBe('Two men, grey hoodies, razors');
    expect(msg.title).toContain('Boots');
    const { publicKey } = PushKey.parse(await (await api('/api/push/key', boots)).json());
    expect(got!.vapidKey).toBe(publicKey);
    expect(got!.claims.aud).toBe(pushService.origin);
    expect(got!.claims.exp * 1000).toBeGreaterThan(Date.now());
    expect(got!.claims.exp * 1000).toBeLessThanOrEqual(Date.now() + 24 * 3600_000);
    expect(got!.headers.ttl).toBe('3600');
    expect(got!.headers.urgency).toBe('high');
    // Tesco is in the south zone: same rule as the browser WebSocket, so nothing for that phone.
    await new Promise((r) => setTimeout(r, 300));
    expect(pushService.to('tesco-phone')).toHaveLength(0);
    expect(pushService.failures).toEqual([]);
  });

  it('sends every event of the alert: an acknowledgement is pushed too', async () => {
    const id = await raise('coop', 'medium');
    await until('raised push', () => pushService.to('boots-phone').some((r) => JSON.parse(r.plaintext).alertId === id));
    expect((await api(`/api/alerts/${id}/ack`, warden, 'POST', { status: 'attending' })).status).toBe(200);
    await until('acknowledged push', () =>
      pushService.to('boots-phone').some((r) => r.plaintext.includes(id) && r.plaintext.includes('"acknowledged"')),
    );
  });

  it('removes a subscription the push service answers 410 Gone, and sends nothing to it afterwards', async () => {
    const sub = pushService.subscribe('old-phone');
    expect((await api('/api/push/subscriptions', tesco, 'POST', sub)).status).toBe(201);
    pushService.answer('old-phone', 410);
    expect((await hub.services.push.subscriptions.forUser('tesco-staff')).map((s) => s.endpoint)).toContain(
      sub.endpoint,
    );
    await raise('tesco');
    await until(
      'the expired subscription to be removed',
      async () =>
        !(await hub.services.push.subscriptions.forUser('tesco-staff')).some((s) => s.endpoint === sub.endpoint),
    );
    const left = (await hub.services.push.subscriptions.forUser('tesco-staff')).map((s) => s.endpoint);
    expect(left).toEqual([`${pushService.origin}/push/tesco-phone`]);
  });

  it('refuses non-https endpoints (plain http only on loopback) and malformed keys, storing nothing', async () => {
    const good = pushService.subscribe('x');
    const bad = [
      { ...good, endpoint: 'http://push.example.com/x' },
      { ...good, endpoint: 'ftp://127.0.0.1/x' },
      { ...good, endpoint: 'https://user:pw@push.example.com/x' },
      { ...good, endpoint: `https://push.example.com/${'a'.repeat(1100)}` },
      { ...good, keys: { ...good.keys, p256dh: good.keys.p256dh.slice(0, 40) } },
      { ...good, keys: { ...good.keys, auth: 'A'.repeat(200) } },
      { ...good, keys: { ...good.keys, p256dh: good.keys.p256dh + 'x'.repeat(5000) } },
      { ...good, extra: 1 },
    ];
    const before = (await hub.services.push.subscriptions.forUser('boots-staff')).length;
    for (const b of bad) {
      const res = await api('/api/push/subscriptions', boots, 'POST', b);
      expect(res.status, JSON.stringify(b).slice(0, 80)).toBe(400);
      const body = ErrorBody.parse(await res.json());
      expect(body.code).toBe('bad_request');
    }
    expect((await api('/api/push/subscriptions', boots, 'POST', '{not json')).status).toBe(400);
    expect((await api('/api/push/subscriptions', undefined, 'POST', good)).status).toBe(401);
    expect(await hub.services.push.subscriptions.forUser('boots-staff')).toHaveLength(before);
  });

  it('deletes a subscription on sign-out; another user cannot delete it', async () => {
    const sub = pushService.subscribe('shared-tablet');
    expect((await api('/api/push/subscriptions', boots, 'POST', sub)).status).toBe(201);
    const other = await api('/api/push/subscriptions', tesco, 'DELETE', { endpoint: sub.endpoint });
    expect(other.status).toBe(404);
    expect(
      (await hub.services.push.subscriptions.forUser('boots-staff')).some((s) => s.endpoint === sub.endpoint),
    ).toBe(true);
    expect((await api('/api/push/subscriptions', boots, 'DELETE', { endpoint: sub.endpoint })).status).toBe(204);
    const id = await raise('boots');
    await until('the next push to the Boots phone', () =>
      pushService.to('boots-phone').some((r) => JSON.parse(r.plaintext).alertId === id),
    );
    expect(pushService.to('shared-tablet')).toHaveLength(0);
  });
});
