import { Ack, Alert, AlertQuery, AlertWithDeliveries, Close, RaiseRequest } from '@shopwatch/protocols';
import type { AlertListing } from '../alerts/listing';
import type { AlertService } from '../alerts/service';
import { acceptsGzip, bytesInChunks } from './byte-stream';
import { jsonArray } from './json-stream';
import { type HubRouteGroup, routeOf } from './route-table';

/** What the alert routes use. */
export interface AlertRouteDeps {
  alerts: Pick<AlertService, 'raise' | 'withDeliveries' | 'visible' | 'ack' | 'close'>;
  /** GET /api/alerts pages, built off the event loop. */
  listing: Pick<AlertListing, 'page'>;
}

const route = routeOf<AlertRouteDeps>();

export const ALERT_ROUTES: HubRouteGroup<AlertRouteDeps> = {
  prefix: '/api/alerts',
  access: 'user',
  routes: [
    route({
      method: 'get',
      path: '/',
      summary: 'Alerts you may see, newest first, with timelines and deliveries',
      query: AlertQuery,
      responses: {
        200: {
          description: 'One page of alerts',
          schema: AlertWithDeliveries.array(),
          headers: { 'X-Next-Cursor': 'Present when more alerts follow: pass it as ?cursor=' },
        },
      },
      handle: async (c, { query }, svc) => {
        // Paged (AlertQuery: limit ≤ 500) and streamed: a listing never blocks the broker for long.
        const page = await svc.listing.page(c.get('principal'), query, acceptsGzip(c.req.header('accept-encoding')));
        if (page.nextCursor) c.header('X-Next-Cursor', page.nextCursor);
        if (page.body) {
          const json = { 'content-type': 'application/json; charset=utf-8', vary: 'Accept-Encoding' };
          return bytesInChunks(c, page.body, page.gzip ? { ...json, 'content-encoding': 'gzip' } : json);
        }
        return jsonArray(c, page.alerts);
      },
    }),
    route({
      method: 'post',
      path: '/',
      summary: 'Raise an alert; a repeated clientRef returns the existing alert with 200',
      body: RaiseRequest,
      responses: {
        201: { description: 'Stored and fanned out', schema: AlertWithDeliveries },
        200: { description: 'Already raised with this clientRef', schema: AlertWithDeliveries },
      },
      errors: [403],
      handle: async (c, { body }, svc) => {
        const { alert, created } = await svc.alerts.raise(c.get('principal'), body);
        const [full] = await svc.alerts.withDeliveries([alert]);
        return c.json(full, created ? 201 : 200);
      },
    }),
    route({
      method: 'get',
      path: '/:id',
      summary: 'One alert',
      responses: { 200: { description: 'The alert', schema: AlertWithDeliveries } },
      errors: [404],
      handle: async (c, _, svc) => {
        const a = await svc.alerts.visible(c.get('principal'), c.req.param('id')!);
        const [full] = await svc.alerts.withDeliveries([a]);
        return c.json(full);
      },
    }),
    route({
      method: 'post',
      path: '/:id/ack',
      summary: 'Acknowledge: seen, attending (stops escalation) or unable',
      body: Ack,
      responses: { 200: { description: 'The alert', schema: Alert } },
      errors: [404, 409],
      handle: async (c, { body }, svc) => c.json(await svc.alerts.ack(c.get('principal'), c.req.param('id')!, body)),
    }),
    route({
      method: 'post',
      path: '/:id/close',
      summary: 'Close with an outcome',
      access: ['admin', 'coordinator', 'operator', 'warden', 'member'],
      body: Close,
      responses: { 200: { description: 'The alert', schema: Alert } },
      errors: [404, 409],
      handle: async (c, { body }, svc) => c.json(await svc.alerts.close(c.get('principal'), c.req.param('id')!, body)),
    }),
  ],
};
