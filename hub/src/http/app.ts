import path from 'node:path';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { MAX_MESSAGE_BYTES } from '@shopwatch/protocols';
import { HubError } from '../errors';
import type { Logger } from '../log';
import type { HubServices } from '../services';
import type { Env } from './context';
import { alertRoutes } from './routes-alerts';
import { type SessionHooks, authRoutes } from './routes-auth';
import { securityHeaders } from './security-headers';
import { schemeRoutes } from './routes-scheme';
import { edgeRoutes } from './routes-edge';
import { reviewRoutes } from './routes-review';
import { governanceRoutes } from './routes-gallery';
import { fieldRoutes } from './routes-field';
import { exportRoutes } from './routes-export';
import { serveDashboard } from './static';
import { liveRoutes } from '../live/routes-live';
import { pushRoutes } from '../push/routes-push';

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
  // Evidence uploads stream to disk with their own limit; everything else is small JSON.
  const limit = bodyLimit({
    maxSize: MAX_MESSAGE_BYTES,
    onError: () => {
      throw new HubError('payload_too_large', `request body exceeds ${MAX_MESSAGE_BYTES} bytes`);
    },
  });
  const ownLimit = (path: string) =>
    path.startsWith('/api/edge/files/') || /^\/api\/gallery\/subjects\/[^/]+\/photos$/.test(path);
  app.use('/api/*', (c, next) => (ownLimit(c.req.path) ? next() : limit(c, next)));

  app.get('/healthz', (c) => c.json({ status: 'ok', checks: {} }));
  app.get('/readyz', async (c) => {
    const checks: Record<string, string> = {};
    try {
      await svc.repo.maxSeq();
      checks.storage = 'ok';
    } catch (e) {
      checks.storage = (e as Error).message;
    }
    checks.broker = svc.ready() ? 'ok' : 'starting';
    const ok = Object.values(checks).every((v) => v === 'ok');
    return c.json({ status: ok ? 'ok' : 'starting', checks }, ok ? 200 : 503);
  });
  app.get('/metrics', async (c) =>
    c.text(await svc.metrics.registry.metrics(), 200, { 'content-type': svc.metrics.registry.contentType }),
  );

  app.route('/api', authRoutes(svc, hooks));
  app.route('/api/alerts', alertRoutes(svc));
  app.route('/api', schemeRoutes(svc));
  app.route('/api/edge', edgeRoutes(svc));
  app.route('/api/review', reviewRoutes(svc));
  app.route('/api', governanceRoutes(svc));
  app.route('/api', fieldRoutes(svc));
  app.route('/api/exports', exportRoutes(svc));
  app.route('/api/live', liveRoutes(svc));
  app.route('/api/push', pushRoutes(svc));
  app.all('/api/*', () => {
    throw new HubError('not_found', 'no such API endpoint');
  });

  serveDashboard(app, svc.config.dashboardDir ?? defaultDashboardDir());

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
