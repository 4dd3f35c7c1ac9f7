import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topics } from '@shopwatch/protocols';
import { login, startTestHub } from '../support/hub';
import { TestDevice, sleep } from '../support/mqtt';

/**
 * Raise limits, seen from the stores that must not be buried under an attacker's alerts and
 * from the honest senders that must still get through.
 */
describe('raise rate limits per device and per user', () => {
  let hub: Awaited<ReturnType<typeof startTestHub>>;
  beforeAll(async () => {
    hub = await startTestHub();
  });
  afterAll(async () => hub?.stop());

  async function alertsBy(id: string): Promise<number> {
    const token = await login(hub.http, 'operator', 'operator-password');
    const res = await fetch(`${hub.http}/api/alerts?limit=500`, { headers: { authorization: `Bearer ${token}` } });
    return ((await res.json()) as { raisedBy: { id: string } }[]).filter((a) => a.raisedBy.id === id).length;
  }

  it('stores at most the limit of 2,000 raises from one radio, refuses the rest with rate_limited', async () => {
    const spammer = await TestDevice.connect(hub.mqttPort, 'radio-boots', 'radio-boots-secret-for-tests');
    await spammer.subscribe(topics.deviceErrors('town', 'radio-boots'));
    const started = Date.now();
    for (let i = 0; i < 2000; i += 50) {
      await Promise.all(
        Array.from({ length: 50 }, (_, j) =>
          spammer.publish(topics.alertRaise('town'), {
            type: 'violence',
            severity: 'high',
            clientRef: `spam-${i + j}`,
          }),
        ),
      );
    }
    const minutes = (Date.now() - started) / 60_000;
    await sleep(300);
    const stored = await alertsBy('radio-boots');
    // 20 at once, then 10 a minute.
    expect(stored).toBeGreaterThanOrEqual(20);
    expect(stored).toBeLessThanOrEqual(20 + Math.ceil(minutes * 10));
    const limited = spammer.errors().filter((e) => e.code === 'rate_limited');
    expect(limited.length).toBe(2000 - stored);
    expect(limited[0]!.message).toMatch(/at most 10 a minute/);
    expect(spammer.client.connected).toBe(true);

    // Another store's radio still raises, and its zone hears it.
    const other = await TestDevice.connect(hub.mqttPort, 'radio-tesco', 'radio-tesco-secret-for-tests');
    await other.subscribe(topics.zoneAlerts('town', 'south'));
    await other.publish(topics.alertRaise('town'), { type: 'shoplifting', severity: 'low', clientRef: 'honest' });
    await other.waitFor((m) => m.json?.alert?.clientRef === 'honest');
    // A retry of an alert already stored is not a new raise: it is answered, not refused.
    const n = spammer.errors().length;
    await spammer.publish(topics.alertRaise('town'), { type: 'violence', severity: 'critical', clientRef: 'spam-0' });
    await sleep(300);
    expect(spammer.errors().length).toBe(n);
    await Promise.all([spammer.end(), other.end()]);
  }, 120_000);

  it('applies the same limit to a member raising over HTTP (429 rate_limited)', async () => {
    const token = await login(hub.http, 'tesco-staff', 'tesco-password');
    const codes: number[] = [];
    let body: { code?: string } = {};
    for (let i = 0; i < 40; i++) {
      const res = await fetch(`${hub.http}/api/alerts`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'shoplifting', severity: 'low', clientRef: `http-${i}`, store: 'tesco' }),
      });
      codes.push(res.status);
      if (res.status === 429) body = (await res.json()) as { code?: string };
      else await res.text();
    }
    expect(codes.filter((c) => c === 201 || c === 200).length).toBe(20);
    expect(codes.filter((c) => c === 429).length).toBe(20);
    expect(body.code).toBe('rate_limited');
  });
});
