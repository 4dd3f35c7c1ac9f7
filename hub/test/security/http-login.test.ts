import argon2 from 'argon2';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ErrorBody } from '@shopwatch/protocols';
import { USER_VERIFY_CONCURRENCY, USER_VERIFY_QUEUE, hashPassword, verifyUserPassword } from '../../src/auth/passwords';
import { startTestHub } from '../support/hub';
import { TestDevice } from '../support/mqtt';

/**
 * Password guessing in parallel. Before, 200 concurrent guesses were all checked with argon2
 * (the limit was looked at before any had failed), which filled the thread pool that device
 * authentication shares. Now each attempt is counted before argon2 runs, and at most two
 * password checks run at once.
 */
describe('login limits under parallel guessing', () => {
  let hub: Awaited<ReturnType<typeof startTestHub>>;
  beforeAll(async () => {
    hub = await startTestHub();
  });
  afterAll(async () => hub?.stop());
  afterEach(() => vi.restoreAllMocks());

  const attempt = (username: string, password: string) =>
    fetch(`${hub.http}/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });

  it('200 parallel wrong guesses: at most 10 reach argon2, the rest 429 + Retry-After; a radio connects', async () => {
    // The same connect without an attack, under whatever else this machine is doing right now.
    const b0 = performance.now();
    await (await TestDevice.connect(hub.mqttPort, 'radio-coop', 'radio-coop-secret-for-tests')).end();
    const baselineMs = performance.now() - b0;
    const verify = vi.spyOn(argon2, 'verify');
    const guesses = Array.from({ length: 200 }, (_, i) => attempt('coord', `guess-${i}`));
    // A radio that has never connected (so no cached secret) must still get through.
    const t0 = performance.now();
    const radio = await TestDevice.connect(hub.mqttPort, 'radio-tesco', 'radio-tesco-secret-for-tests');
    const radioMs = performance.now() - t0;
    const results = await Promise.all(guesses);
    const statuses = results.map((r) => r.status);
    const wrong = statuses.filter((s) => s === 401).length;
    const limited = results.filter((r) => r.status === 429);
    console.log(
      `200 guesses: ${wrong} checked (401), ${limited.length} refused (429); ` +
        `argon2.verify calls ${verify.mock.calls.length}; radio connected in ${radioMs.toFixed(0)} ms ` +
        `(${baselineMs.toFixed(0)} ms without the attack)`,
    );
    expect(wrong).toBeLessThanOrEqual(10);
    expect(wrong + limited.length).toBe(200);
    // 10 user checks + the radio's own secret check (device auth uses argon2 as well).
    expect(verify.mock.calls.length).toBeLessThanOrEqual(11);
    for (const r of limited.slice(0, 20)) {
      expect(r.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(ErrorBody.parse(await r.json()).code).toBe('rate_limited');
    }
    // Before, the radio's check queued behind ~200 argon2 runs (tens of seconds); now at most two
    // user checks hold the thread pool, so it costs about what it costs without the attack.
    expect(radioMs).toBeLessThan(Math.max(3_000, 4 * baselineMs));
    await radio.end();
  }, 60_000);

  it('one user locked out does not lock out another user behind the same address', async () => {
    // The guesses above all came from 127.0.0.1, as a shop's staff behind one NAT would.
    expect((await attempt('coord', 'coord-password')).status).toBe(429);
    const res = await attempt('operator', 'operator-password');
    expect(res.status).toBe(200);
    // A typo by that other user is just a 401, not a 429.
    expect((await attempt('warden', 'not-my-password')).status).toBe(401);
    expect((await attempt('warden', 'warden-password')).status).toBe(200);
  });

  it('counts unknown usernames too, before any work, so they cannot be used to burn argon2', async () => {
    const verify = vi.spyOn(argon2, 'verify');
    const results = await Promise.all(Array.from({ length: 50 }, () => attempt('nobody-here', 'x-password')));
    expect(results.filter((r) => r.status === 401).length).toBeLessThanOrEqual(10);
    expect(verify.mock.calls.length).toBeLessThanOrEqual(10);
  });

  it('never runs more than 2 password checks at once, and refuses beyond the queue', async () => {
    const hash = await hashPassword('the-right-password');
    const original = argon2.verify.bind(argon2);
    let inFlight = 0;
    let most = 0;
    vi.spyOn(argon2, 'verify').mockImplementation(async (...args: Parameters<typeof argon2.verify>) => {
      most = Math.max(most, ++inFlight);
      try {
        return await original(...args);
      } finally {
        inFlight--;
      }
    });
    const n = USER_VERIFY_CONCURRENCY + USER_VERIFY_QUEUE + 6;
    const guess = (i: number) => verifyUserPassword(hash, i === 0 ? 'the-right-password' : 'wrong');
    const results = await Promise.all(Array.from({ length: n }, (_, i) => guess(i)));
    expect(most).toBe(USER_VERIFY_CONCURRENCY);
    expect(results.filter((r) => r === null)).toHaveLength(6);
    expect(results[0]).toBe(true);
    expect(results.filter((r) => r === false)).toHaveLength(n - 7);
  }, 120_000);
});
