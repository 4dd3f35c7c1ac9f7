import crypto from 'node:crypto';
import { LoginRequest, LoginResponse, LogoutReply, UserInfo } from '@shopwatch/protocols';
import { hashPassword, verifyUserPassword } from '../auth/passwords';
import { userPrincipal } from '../auth/principal';
import { newToken } from '../auth/tokens';
import type { HubConfig } from '../config';
import type { HubDirectory } from '../directory-interface';
import { HubError } from '../errors';
import type { Metrics } from '../metrics';
import type { Repository } from '../storage/repository';
import type { Ctx } from './context';
import { ClientAddresses } from '../auth/client-address';
import { LoginGuard } from './rate-limit';
import { type HubRouteGroup, routeOf } from './route-table';
import { clearedCookies, isHttps, sessionCookies } from '../auth/session-cookie';
import { userInfo } from '../auth/sessions';

const secure = (c: Ctx) => isHttps(c.env?.incoming, c.req.url);

/** What else must hear of a logout: the browser sockets of that session are closed too. */
export interface SessionHooks {
  sessionEnded?: (tokenHash: string) => void;
}

/** What login and logout use. */
export interface AuthRouteDeps {
  config: Pick<HubConfig, 'loginAttempts' | 'loginWindowSeconds' | 'sessionHours' | 'trustedProxies'>;
  repo: Pick<Repository, 'getUser' | 'createSession' | 'deleteSession'>;
  dir: Pick<HubDirectory, 'scheme'>;
  metrics: Pick<Metrics, 'refused'>;
  sessionHooks: SessionHooks;
}

type Prepared = AuthRouteDeps & { guard: LoginGuard; addresses: ClientAddresses };
const route = routeOf<Prepared>();
const setCookie = 'sw_session (HttpOnly, SameSite=Strict, Secure over https) and sw_csrf (readable)';

export const AUTH_ROUTES: HubRouteGroup<AuthRouteDeps, Prepared> = {
  prefix: '/api',
  prepare: (svc) => {
    const n = svc.config.loginAttempts;
    // Per address only with a much higher threshold: a shop's staff share one NAT address.
    const window = svc.config.loginWindowSeconds * 1000;
    const guard = new LoginGuard({ perUserAddress: n, perUser: n * 3, perAddress: n * 10 }, window);
    const { config, repo, dir, metrics, sessionHooks } = svc;
    const addresses = new ClientAddresses(svc.config.trustedProxies);
    return { config, repo, dir, metrics, sessionHooks, guard, addresses };
  },
  routes: [
    route({
      method: 'post',
      path: '/login',
      access: 'public',
      summary:
        'Log in. Attempts are counted before the password is checked, per (username, address), ' +
        'per username and (higher) per address',
      body: LoginRequest,
      responses: {
        200: {
          description:
            'A session token in the body (send it as a Bearer token) and the same session as cookies: ' +
            `${setCookie}, to echo in X-ShopWatch-CSRF`,
          schema: LoginResponse,
          headers: { 'Set-Cookie': setCookie },
        },
      },
      errors: {
        401: 'Wrong username or password',
        429: 'Too many login attempts (see Retry-After)',
        503: 'Too many password checks in progress; try again (Retry-After)',
      },
      handle: async (c, { body: req }, svc) => {
        const ip = svc.addresses.of(c.env?.incoming);
        // Count the attempt before any password work, so parallel guesses are refused up front.
        const slot = svc.guard.reserve(req.username, ip);
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
      },
    }),
    route({
      method: 'post',
      path: '/logout',
      access: 'user',
      summary: 'End the session: its stored hash is deleted, its browser WebSockets closed, its cookies cleared',
      responses: { 200: { description: 'Logged out', schema: LogoutReply, headers: { 'Set-Cookie': 'cleared' } } },
      errors: { 403: 'A cookie-authenticated logout without the CSRF header' },
      handle: async (c, _, svc) => {
        await svc.repo.deleteSession(c.get('tokenHash'));
        svc.sessionHooks.sessionEnded?.(c.get('tokenHash'));
        for (const v of clearedCookies(secure(c))) c.header('Set-Cookie', v, { append: true });
        return c.json({ ok: true });
      },
    }),
    route({
      method: 'get',
      path: '/me',
      access: 'user',
      summary: 'Who the token belongs to',
      responses: { 200: { description: 'The user', schema: UserInfo } },
      handle: (c) => c.json(userInfo(c.get('principal'))),
    }),
  ],
};

// A hash of a random string nobody knows, made once: verifying unknown users against it
// spends the same time as a real check, so timing does not reveal which usernames exist.
let dummy: Promise<string> | null = null;
const dummyHash = () => (dummy ??= hashPassword(crypto.randomBytes(16).toString('hex')));
