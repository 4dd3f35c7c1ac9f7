import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Incident } from '@shopwatch/protocols';
import { login, startTestHub } from './support/hub';

describe('an incident reported from an alert', () => {
  let hub: Awaited<ReturnType<typeof startTestHub>>;
  let op: string, boots: string, warden: string;
  const call = (method: string, p: string, token: string, body?: unknown) =>
    fetch(`${hub.http}${p}`, {
      method,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  let n = 0;
  const raise = async (store: string) => {
    const raise = { type: 'shoplifting', severity: 'high', store, clientRef: `inc-${++n}` };
    const res = await call('POST', '/api/alerts', op, raise);
    return ((await res.json()) as { id: string }).id;
  };
  const report = (token: string, alertId: string, extra: object = {}) =>
    call('POST', '/api/incidents', token, {
      type: 'theft',
      occurredAt: new Date().toISOString(),
      description: 'Two razors taken from the shelf',
      alertId,
      ...extra,
    });

  beforeAll(async () => {
    hub = await startTestHub();
    [op, boots, warden] = await Promise.all([
      login(hub.http, 'operator', 'operator-password'),
      login(hub.http, 'boots-staff', 'boots-password'),
      login(hub.http, 'warden', 'warden-password'),
    ]);
  });
  afterAll(async () => hub?.stop());

  it('keeps the alert’s store when a member of another store reports it, and names the reporter', async () => {
    const coopAlert = await raise('coop'); // same zone as Boots, so the Boots member received it
    const res = await report(boots, coopAlert);
    expect(res.status).toBe(201);
    const inc = Incident.parse(await res.json());
    expect(inc).toMatchObject({ store: 'coop', reporter: 'boots-staff', alertId: coopAlert });
    // The reporter can still open what they filed.
    expect((await call('GET', `/api/incidents/${inc.id}`, boots)).status).toBe(200);
  });

  it('keeps the alert’s store for a warden who leaves the store out', async () => {
    const tescoAlert = await raise('tesco');
    const inc = Incident.parse(await (await report(warden, tescoAlert)).json());
    expect(inc).toMatchObject({ store: 'tesco', reporter: 'warden' });
  });

  it('refuses a member reporting an alert they never received, or naming another store for it', async () => {
    const tescoAlert = await raise('tesco'); // south zone: not the Boots member's
    expect((await report(boots, tescoAlert)).status).toBe(404);
    const coopAlert = await raise('coop');
    expect((await report(boots, coopAlert, { store: 'boots' })).status).toBe(403);
  });
});
