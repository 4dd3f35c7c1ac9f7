import path from 'node:path';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { MAX_MESSAGE_BYTES } from '@shopwatch/protocols';
import { HubError } from '../errors';
import type { Logger } from '../log';
import type { HubServices } from '../services';
import type { Env } from './context';
import type { SessionHooks } from './routes-auth';
import { securityHeaders } from './security-headers';
import { type HubRouteGroup, mountGroup, streamsBody } from './route-table';
import { API_ROUTES, FALLBACK_ROUTES, type RouteDeps } from './routes';

/** The HTTP API (Hono). One error handler turns every failure into `{ code, message }`. */
export function createApp(svc: HubServices, log: Logger, hooks: SessionHooks = {}) {
  const app = new Hono<Env>();

  app.use('*', securityHeaders());
  // A path that is not valid percent-encoding (`/%`) is refused here, before any route decodes it.
  app.use('*', async (c, next) => {
    try {
      decodeURIComponent(new URL(c.req.url).pathname);
    } catch {
      throw new HubError('bad_request', 'the request path is not valid percent-encoding');
    }
    await next();
  });
  app.use('*', async (c, next) => {
    const t = performance.now();
    await next();
    svc.metrics.http.observe(
      { method: c.req.method, route: c.req.routePath, status: String(c.res.status) },
      (performance.now() - t) / 1000,
    );
  });
  // Routes the table declares with a raw body (evidence uploads, gallery photos) stream it to
  // disk with their own limit; everything else is small JSON.
  const limit = bodyLimit({
    maxSize: MAX_MESSAGE_BYTES,
    onError: () => {
      throw new HubError('payload_too_large', `request body exceeds ${MAX_MESSAGE_BYTES} bytes`);
    },
  });
  const ownLimit = streamsBody(API_ROUTES);
  app.use('/api/*', (c, next) => (ownLimit(c.req.method, c.req.path) ? next() : limit(c, next)));

  // Every route from the one table (routes.ts) that the OpenAPI document is also built from.
  // The route groups read `svc` through the narrow types they declare; the object handed to
  // them inherits every service from `svc` (so a lazily bound one, like `live`, stays lazy).
  const deps: RouteDeps = Object.assign(Object.create(svc) as HubServices, {
    sessionHooks: hooks,
    dashboardDir: svc.config.dashboardDir ?? defaultDashboardDir(),
  });
  for (const group of API_ROUTES) mountGroup(app, group as HubRouteGroup<RouteDeps, unknown>, deps, svc);
  app.all('/api/*', () => {
    throw new HubError('not_found', 'no such API endpoint');
  });
  for (const group of FALLBACK_ROUTES) mountGroup(app, group as HubRouteGroup<RouteDeps, unknown>, deps, svc);

  app.notFound((c) => c.json({ code: 'not_found', message: 'not found' }, 404));
  app.onError((err, c) => {
    if (err instanceof HubError) {
      svc.metrics.refused.inc({ channel: 'http', code: err.code });
      // The rest of an oversize body is never read: end the connection so it is not reused.
      if (err.code === 'payload_too_large') c.header('connection', 'close');
      return c.json(err.toBody(), err.status as 400);
    }
    log.error({ err, path: c.req.path }, 'unhandled error');
    return c.json({ code: 'internal', message: 'internal error; it has been logged' }, 500);
  });
  return app;
}

function defaultDashboardDir() {
  return path.resolve(import.meta.dirname, '../../../dashboard/dist');
}
