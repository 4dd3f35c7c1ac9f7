import { Hono } from 'hono';
import { LoginRequest, type LoginResponse } from '@shopwatch/protocols';
import crypto from 'node:crypto';
import { hashPassword, verifyUserPassword } from '../auth/passwords';
import { newToken } from '../auth/tokens';
import { HubError } from '../errors';
import type { HubServices } from '../services';
import { type Ctx, type Env, body, requireUser } from './context';
import { LoginGuard } from './rate-limit';
import { clearedCookies, isHttps, sessionCookies } from '../auth/session-cookie';
import { userPrincipal } from '../auth/principal';
import { userInfo } from '../auth/sessions';

const secure = (c: Ctx) => isHttps(c.env?.incoming, c.req.url);

/** What else must hear of a logout: the browser sockets of that session are closed too. */
export interface SessionHooks {
  sessionEnded?: (tokenHash: string) => void;
}

export function authRoutes(svc: HubServices, hooks: SessionHooks = {}) {
  const n = svc.config.loginAttempts;
  // Per address only with a much higher threshold: a shop's staff share one NAT address.
  const window = svc.config.loginWindowSeconds * 1000;
  const guard = new LoginGuard({ perUserAddress: n, perUser: n * 3, perAddress: n * 10 }, window);
  const app = new Hono<Env>();

  app.post('/login', async (c) => {
    const req = await body(c, LoginRequest);
    const ip = c.env?.incoming?.socket?.remoteAddress ?? 'unknown';
    // Count the attempt before any password work, so parallel guesses are refused up front.
    const slot = guard.reserve(req.username, ip);
    if (!slot.ok) {
      c.header('Retry-After', String(slot.retryAfter));
      throw new HubError('rate_limited', `too many login attempts; try again in ${slot.retryAfter} s`);
    }
    const user = await svc.repo.getUser(req.username);
    // Verify against a dummy hash for unknown users too, so timing does not reveal who exists.
    const ok = await verifyUserPassword(user?.passwordHash ?? (await dummyHash()), req.password);
    if (ok === null) {
      slot.release(); // not the user's fault: the hub was busy
      c.header('Retry-After', '2');
      throw new HubError('unavailable', 'too many logins are being checked right now; try again in a moment');
    }
    if (!user || !ok) {
      svc.metrics.refused.inc({ channel: 'http', code: 'unauthenticated' });
      throw new HubError('unauthenticated', 'wrong username or password');
    }
    slot.release();
    const { token, hash } = newToken();
    const now = new Date();
    const expiresAt = new Date(now.getTime() + svc.config.sessionHours * 3600_000).toISOString();
    await svc.repo.createSession(hash, user.username, now.toISOString(), expiresAt);
    const cookies = sessionCookies(token, svc.config.sessionHours * 3600, secure(c));
    for (const v of cookies) c.header('Set-Cookie', v, { append: true });
    c.header('Cache-Control', 'no-store');
    // The token is also in the body for API and CLI clients that send it as a Bearer token.
    const res: LoginResponse = {
      token,
      expiresAt,
      user: userInfo(userPrincipal(user, await svc.dir.scheme(user.scheme))),
    };
    return c.json(res);
  });

  /** Ends the session on the hub (its stored hash is deleted) and clears the cookies. */
  app.post('/logout', requireUser(svc), async (c) => {
    await svc.repo.deleteSession(c.get('tokenHash'));
    hooks.sessionEnded?.(c.get('tokenHash'));
    for (const v of clearedCookies(secure(c))) c.header('Set-Cookie', v, { append: true });
    return c.json({ ok: true });
  });

  app.get('/me', requireUser(svc), (c) => c.json(userInfo(c.get('principal'))));
  return app;
}

// A hash of a random string nobody knows, made once: verifying unknown users against it
// spends the same time as a real check, so timing does not reveal which usernames exist.
let dummy: Promise<string> | null = null;
const dummyHash = () => (dummy ??= hashPassword(crypto.randomBytes(16).toString('hex')));
