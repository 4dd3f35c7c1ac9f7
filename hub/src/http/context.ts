import type { HttpBindings } from '@hono/node-server';
import type { Context, MiddlewareHandler } from 'hono';
import type { z } from 'zod';
import { HubError, forbidden } from '../errors';
import type { Principal } from '../auth/principal';
import { hashToken } from '../auth/tokens';
import type { Role } from '@shopwatch/protocols';
import type { Sessions } from '../auth/sessions';
import type { DeviceRecord } from '../storage/repository';
import { CSRF_COOKIE, CSRF_HEADER, SESSION_COOKIE, csrfMatches, parseCookies } from '../auth/session-cookie';

export type Env = {
  Bindings: HttpBindings;
  Variables: { principal: Principal; tokenHash: string; device: DeviceRecord };
};
export type Ctx = Context<Env>;

/** What resolving a session token needs. */
export interface SessionDeps {
  sessions: Pick<Sessions, 'principalFor'>;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The session token of a request: `Authorization: Bearer` (API and CLI clients) or the HttpOnly
 * session cookie (the dashboard). A cookie-authenticated write must carry the CSRF header.
 */
export function requestToken(c: Ctx): string | undefined {
  const h = c.req.header('authorization');
  if (h?.startsWith('Bearer ')) return h.slice(7).trim();
  const cookies = parseCookies(c.req.header('cookie'));
  const token = cookies.get(SESSION_COOKIE);
  if (!token) return undefined;
  if (!SAFE_METHODS.has(c.req.method) && !csrfMatches(c.req.header(CSRF_HEADER), cookies.get(CSRF_COOKIE))) {
    const m = c.req.method;
    throw forbidden(`a cookie-authenticated ${m} needs the ${CSRF_HEADER} header equal to the ${CSRF_COOKIE} cookie`);
  }
  return token;
}

export function requireUser(svc: SessionDeps): MiddlewareHandler<Env> {
  return async (c, next) => {
    const token = requestToken(c);
    c.set('principal', await svc.sessions.principalFor(token));
    c.set('tokenHash', hashToken(token!));
    await next();
  };
}

export function requireRole(...roles: Role[]): MiddlewareHandler<Env> {
  return async (c, next) => {
    const p = c.get('principal');
    if (!p.role || !roles.includes(p.role)) throw forbidden(`this needs one of the roles: ${roles.join(', ')}`);
    await next();
  };
}

/** Parses a JSON body with a shared schema; malformed JSON and bad fields become a 400 naming them. */
export async function body<T extends z.ZodType>(c: Ctx, schema: T): Promise<z.infer<T>> {
  let json: unknown;
  try {
    const text = await c.req.text();
    json = text.length ? JSON.parse(text) : {};
  } catch (e) {
    throw new HubError('bad_request', `malformed JSON: ${(e as Error).message}`);
  }
  const r = schema.safeParse(json);
  if (!r.success) throw HubError.invalid('invalid request body', r.error);
  return r.data;
}

export function query<T extends z.ZodType>(c: Ctx, schema: T): z.infer<T> {
  const r = schema.safeParse(c.req.query());
  if (!r.success) throw HubError.invalid('invalid query', r.error);
  return r.data;
}
