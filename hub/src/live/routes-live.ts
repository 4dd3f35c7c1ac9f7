import { Hono } from 'hono';
import { type Env, requireUser } from '../http/context';
import type { HubServices } from '../services';
import type { LiveCamera } from '@shopwatch/protocols';
import { authorizeLiveView, whyNot } from './access';

/**
 * `GET /api/live/thumbnails/{deviceId}/{cameraId}`: the device board's picture of a camera, at most
 * 10 s old, for those who may watch that camera live. Fetched from the edge box only on demand.
 */
export function liveRoutes(svc: HubServices) {
  const app = new Hono<Env>();
  /** The cameras this user may watch: the device board's for the control room, their store's for a member. */
  app.get('/cameras', requireUser(svc), async (c) => {
    const p = c.get('principal');
    const settings = (await svc.dir.scheme(p.scheme)).settings;
    const boxes = new Map((await svc.dir.devices(p.scheme)).filter((d) => d.kind === 'edge').map((d) => [d.id, d]));
    const list: LiveCamera[] = (await svc.repo.listCameras(p.scheme)).flatMap((cam) => {
      const box = boxes.get(cam.deviceId);
      if (p.kind !== 'user' || !box || whyNot(p, box, settings)) return [];
      return [{ deviceId: cam.deviceId, cameraId: cam.cameraId, name: cam.name, status: cam.status, store: box.store }];
    });
    return c.json(list);
  });

  app.get('/thumbnails/:deviceId/:cameraId', requireUser(svc), async (c) => {
    const device = await authorizeLiveView(svc, c.get('principal'), c.req.param('deviceId'), c.req.param('cameraId'));
    const t = await svc.live.thumbnails.get(device, c.req.param('cameraId'));
    return c.body(new Uint8Array(t.jpeg), 200, {
      'Content-Type': 'image/jpeg',
      'Cache-Control': 'private, no-store',
      'Last-Modified': t.at.toUTCString(),
    });
  });
  return app;
}
