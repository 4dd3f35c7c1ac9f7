import { Hono } from 'hono';
import { LoginRequest, type LoginResponse, type UserInfo } from '@shopwatch/protocols';
import crypto from 'node:crypto';
import { hashPassword, verifyHash } from '../auth/passwords';
import { newToken } from '../auth/tokens';
import { HubError } from '../errors';
import type { HubServices } from '../services';
import { type Env, body, requireUser } from './context';
import { FailureLimiter } from './rate-limit';
import { type Principal, userPrincipal } from '../auth/principal';

export function userInfo(p: Principal): UserInfo {
  return { username: p.id, displayName: p.displayName, role: p.role!, scheme: p.scheme, store: p.store, zone: p.zone };
}

export function authRoutes(svc: HubServices) {
  const limiter = new FailureLimiter(svc.config.loginAttempts, svc.config.loginWindowSeconds * 1000);
  const app = new Hono<Env>();

  app.post('/login', async (c) => {
    const req = await body(c, LoginRequest);
    const ip = c.env?.incoming?.socket?.remoteAddress ?? 'unknown';
    const keys = [`user:${req.username.toLowerCase()}`, `ip:${ip}`];
    const wait = limiter.blocked(...keys);
    if (wait !== null) {
      c.header('Retry-After', String(wait));
      throw new HubError('rate_limited', `too many failed logins; try again in ${wait} s`);
    }
    const user = await svc.repo.getUser(req.username);
    // Verify against a dummy hash for unknown users too, so timing does not reveal who exists.
    const ok = await verifyHash(user?.passwordHash ?? (await dummyHash()), req.password);
    if (!user || !ok) {
      limiter.fail(...keys);
      svc.metrics.refused.inc({ channel: 'http', code: 'unauthenticated' });
      throw new HubError('unauthenticated', 'wrong username or password');
    }
    limiter.reset(keys[0]!);
    const { token, hash } = newToken();
    const now = new Date();
    const expiresAt = new Date(now.getTime() + svc.config.sessionHours * 3600_000).toISOString();
    await svc.repo.createSession(hash, user.username, now.toISOString(), expiresAt);
    const res: LoginResponse = { token, expiresAt, user: userInfo(userPrincipal(user, await svc.dir.scheme(user.scheme))) };
    return c.json(res);
  });

  app.get('/me', requireUser(svc), (c) => c.json(userInfo(c.get('principal'))));
  return app;
}

// A hash of a random string nobody knows, made once: verifying unknown users against it
// spends the same time as a real check, so timing does not reveal which usernames exist.
let dummy: Promise<string> | null = null;
const dummyHash = () => (dummy ??= hashPassword(crypto.randomBytes(16).toString('hex')));
