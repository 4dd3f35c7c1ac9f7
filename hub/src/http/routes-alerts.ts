import { Hono } from 'hono';
import { Ack, AlertQuery, Close, RaiseRequest } from '@shopwatch/protocols';
import type { HubServices } from '../services';
import { type Env, body, query, requireRole, requireUser } from './context';
import { acceptsGzip, bytesInChunks } from './byte-stream';
import { jsonArray } from './json-stream';

export function alertRoutes(svc: HubServices) {
  const app = new Hono<Env>();
  app.use('*', requireUser(svc));

  app.get('/', async (c) => {
    const q = query(c, AlertQuery);
    // Paged (AlertQuery: limit ≤ 500) and streamed: a listing never blocks the broker for long.
    const page = await svc.listing.page(c.get('principal'), q, acceptsGzip(c.req.header('accept-encoding')));
    if (page.nextCursor) c.header('X-Next-Cursor', page.nextCursor);
    if (page.body) {
      const json = { 'content-type': 'application/json; charset=utf-8', vary: 'Accept-Encoding' };
      return bytesInChunks(c, page.body, page.gzip ? { ...json, 'content-encoding': 'gzip' } : json);
    }
    return jsonArray(c, page.alerts);
  });

  app.post('/', async (c) => {
    const r = await body(c, RaiseRequest);
    const { alert, created } = await svc.alerts.raise(c.get('principal'), r);
    const [full] = await svc.alerts.withDeliveries([alert]);
    return c.json(full, created ? 201 : 200);
  });

  app.get('/:id', async (c) => {
    const a = await svc.alerts.visible(c.get('principal'), c.req.param('id'));
    const [full] = await svc.alerts.withDeliveries([a]);
    return c.json(full);
  });

  app.post('/:id/ack', async (c) => {
    const a = await svc.alerts.ack(c.get('principal'), c.req.param('id'), await body(c, Ack));
    return c.json(a);
  });

  app.post('/:id/close', requireRole('admin', 'coordinator', 'operator', 'warden', 'member'), async (c) => {
    const a = await svc.alerts.close(c.get('principal'), c.req.param('id'), await body(c, Close));
    return c.json(a);
  });
  return app;
}
