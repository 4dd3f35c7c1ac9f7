import type { Hono, MiddlewareHandler, Next } from 'hono';
import type { z } from 'zod';
import { type Access, type RawContent, type RouteGroupSpec, type RouteSpec, isRawContent } from '@shopwatch/protocols';
import { must } from '../gallery/access';
import { type EdgeAuthDeps, requireEdge } from './edge-auth';
import { type Ctx, type Env, type SessionDeps, body, query, requireRole, requireUser } from './context';

/** A response, or nothing from a handler that passed the request on with `next()`. */
type Reply = Response | Promise<Response | undefined>;
type Parsed<S> = S extends z.ZodType ? z.infer<S> : undefined;

/** A route of the table with its handler; `input` holds the query and body the table validated. */
export interface HubRoute<D> extends RouteSpec {
  handle(c: Ctx, input: { query: unknown; body: unknown }, deps: D, next: Next): Reply;
}

/** A feature's routes, the narrow services `S` they need, and what the handlers get (`prepare`). */
export interface HubRouteGroup<S, D = S> extends RouteGroupSpec {
  routes: readonly HubRoute<D>[];
  /** Builds per-app state (a rate limiter, an export's dependencies) once, when the app is built. */
  prepare?: (svc: S) => D;
}

/**
 * Declares one route; the types of `input.query` and `input.body` follow from the schemas, so a
 * handler never parses or casts. Curried on the group's dependencies: `routeOf<MyDeps>()({...})`.
 */
export const routeOf =
  <D>() =>
  <Q extends z.ZodType | undefined = undefined, B extends z.ZodType | RawContent | undefined = undefined>(
    spec: Omit<RouteSpec, 'query' | 'body'> & {
      query?: Q;
      body?: B;
      handle: (c: Ctx, input: { query: Parsed<Q>; body: Parsed<B> }, deps: D, next: Next) => Reply;
    },
  ): HubRoute<D> =>
    spec as HubRoute<D>;

export type AuthDeps = SessionDeps & EdgeAuthDeps;

/** The checks an access level needs, in the order they run. */
function guards(access: Access, auth: AuthDeps, userKnown: boolean): MiddlewareHandler<Env>[] {
  if (access === 'public') return [];
  if (access === 'edge') return [requireEdge(auth)];
  const user = userKnown ? [] : [requireUser(auth)];
  return access === 'user' ? user : [...user, requireRole(...access)];
}

const sameAccess = (a: Access, b: Access | undefined) =>
  a === b || (Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((r) => b.includes(r)));

/** Full path of a route in its group, in Hono's syntax. */
export const fullPath = (group: RouteGroupSpec, route: RouteSpec) =>
  group.prefix + (route.path === '/' && group.prefix ? '' : route.path);

/**
 * Mounts a group on the app: the group's access for everything under its prefix (so an unknown
 * path below `/api/edge` is still a 401 to a stranger), then per route its own access, its
 * permission, the query and JSON body checks, and the handler. Checks run before the body is
 * read, and a refusal is the `{ code, message }` of `HubError`.
 */
export function mountGroup<S, D>(app: Hono<Env>, group: HubRouteGroup<S, D>, svc: S, auth: AuthDeps) {
  const deps = group.prepare ? group.prepare(svc) : (svc as unknown as D);
  if (group.access && group.access !== 'public') app.use(`${group.prefix}/*`, ...guards(group.access, auth, false));
  const groupHasUser = group.access !== undefined && group.access !== 'public' && group.access !== 'edge';
  for (const route of group.routes) {
    // Public only when said so: a route declared without any access would otherwise be open to all.
    if (!route.access && !group.access && !route.can) {
      throw new Error(`${route.method.toUpperCase()} ${fullPath(group, route)} declares no access`);
    }
    const checks: MiddlewareHandler<Env>[] = [];
    const access = route.access ?? (route.can ? 'user' : undefined);
    if (access && !sameAccess(access, group.access)) checks.push(...guards(access, auth, groupHasUser));
    const can = route.can;
    if (can) {
      checks.push(async (c, next) => {
        must(c.get('principal'), can);
        await next();
      });
    }
    const run: MiddlewareHandler<Env> = async (c, next) => {
      const q = route.query ? query(c, route.query) : undefined;
      const b = route.body && !isRawContent(route.body) ? await body(c, route.body) : undefined;
      // `undefined` only from a handler that passed the request on with `next()` (the dashboard).
      return (await route.handle(c, { query: q, body: b }, deps, next)) as Response;
    };
    // Hono types `on` per handler count; the list is built at run time, so it is spread as one.
    const handlers = [...checks, run] as [MiddlewareHandler<Env>];
    app.on(route.method.toUpperCase(), fullPath(group, route), ...handlers);
  }
}

/**
 * Whether a request is for a route that reads its own (raw, streamed) body and so bounds it
 * itself: `/api/edge/files/:candidateId/:name` matches `/api/edge/files/c1/crop.jpg`.
 */
export function streamsBody(groups: readonly RouteGroupSpec[]): (method: string, path: string) => boolean {
  const own = groups.flatMap((g) =>
    g.routes
      .filter((r) => isRawContent(r.body))
      .map((r) => ({
        method: r.method.toUpperCase(),
        path: new RegExp(
          `^${fullPath(g, r)
            .replace(/[.+?^${}()|[\]\\]/g, '\\$&')
            .replace(/:\w+/g, '[^/]+')}$`,
        ),
      })),
  );
  return (method, path) => own.some((r) => r.method === method && r.path.test(path));
}
