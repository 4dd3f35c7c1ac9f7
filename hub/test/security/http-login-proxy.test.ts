import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config';
import { startTestHub } from '../support/hub';

/**
 * Behind HAProxy every login arrives from the proxy's address. Per-address limits must then use
 * the client address the proxy writes in X-Forwarded-For, or one guesser locks out every user
 * of the scheme; and the header must be ignored from anyone but the named proxy, or a guesser
 * dodges the limit by writing a new address in each request.
 */
const attempt = (http: string, username: string, password: string, forwardedFor: string) =>
  fetch(`${http}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': forwardedFor },
    body: JSON.stringify({ username, password }),
  });

async function guessUntilRefused(http: string, forwardedFor: string) {
  for (let i = 0; i < 2; i++) expect((await attempt(http, 'operator', `wrong-${i}`, forwardedFor)).status).toBe(401);
  expect((await attempt(http, 'operator', 'wrong-again', forwardedFor)).status).toBe(429);
}

describe('login limits behind a trusted front door', () => {
  let hub: Awaited<ReturnType<typeof startTestHub>>;
  beforeAll(async () => {
    hub = await startTestHub({ config: { loginAttempts: 2, trustedProxies: '127.0.0.1' } });
  });
  afterAll(async () => hub?.stop());

  it("locks out the guesser's address, not the operator logging in from another address", async () => {
    await guessUntilRefused(hub.http, '203.0.113.7');
    expect((await attempt(hub.http, 'operator', 'operator-password', '198.51.100.20')).status).toBe(200);
    // The guesser stays refused, whatever it writes before the proxy's own entry.
    expect((await attempt(hub.http, 'operator', 'operator-password', '198.51.100.20, 203.0.113.7')).status).toBe(429);
  });
});

describe('login limits with no trusted proxy', () => {
  let hub: Awaited<ReturnType<typeof startTestHub>>;
  beforeAll(async () => {
    hub = await startTestHub({ config: { loginAttempts: 2 } });
  });
  afterAll(async () => hub?.stop());

  it('ignores X-Forwarded-For: a guesser cannot dodge the limit by writing a new address', async () => {
    await guessUntilRefused(hub.http, '203.0.113.7');
    const dodge = await attempt(hub.http, 'operator', 'operator-password', '198.51.100.99');
    expect(dodge.status).toBe(429);
  });
});

describe('SHOPWATCH_TRUSTED_PROXIES', () => {
  it('takes addresses and CIDR blocks, and names a bad entry', () => {
    const ok = loadConfig({ SHOPWATCH_TRUSTED_PROXIES: '10.0.0.5, 172.16.0.0/12,::1' }, {});
    expect(ok.trustedProxies).toEqual(['10.0.0.5', '172.16.0.0/12', '::1']);
    expect(() => loadConfig({ SHOPWATCH_TRUSTED_PROXIES: '10.0.0.0/33' }, {})).toThrow(/SHOPWATCH_TRUSTED_PROXIES/);
    expect(() => loadConfig({ SHOPWATCH_TRUSTED_PROXIES: 'haproxy' }, {})).toThrow(/"haproxy"/);
  });
});
