import { Hono } from 'hono';
import { type Env, requireUser } from '../http/context';
import type { HubServices } from '../services';
import { authorizeLiveView } from './access';

/**
 * `GET /api/live/thumbnails/{deviceId}/{cameraId}`: the device board's picture of a camera, at most
 * 10 s old, for those who may watch that camera live. Fetched from the edge box only on demand.
 */
export function liveRoutes(svc: HubServices) {
  const app = new Hono<Env>();
  app.get('/thumbnails/:deviceId/:cameraId', requireUser(svc), async (c) => {
    const device = await authorizeLiveView(svc, c.get('principal'), c.req.param('deviceId'), c.req.param('cameraId'));
    const t = await svc.live.thumbnails.get(device, c.req.param('cameraId'));
    return c.body(new Uint8Array(t.jpeg), 200, {
      'Content-Type': 'image/jpeg', 'Cache-Control': 'private, no-store', 'Last-Modified': t.at.toUTCString(),
    });
  });
  return app;
}
