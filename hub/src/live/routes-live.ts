import { LiveCamera } from '@shopwatch/protocols';
import type { HubDirectory } from '../directory-interface';
import { type HubRouteGroup, routeOf } from '../http/route-table';
import type { DeviceRecord, Repository } from '../storage/repository';
import { authorizeLiveView, whyNot } from './access';

/** What the live view's HTTP routes read (the stream itself is a WebSocket, see asyncapi.json). */
export interface LiveRouteDeps {
  repo: Repository;
  dir: HubDirectory;
  /** The device board's thumbnails (LiveHub's); declared here so HTTP needs nothing of the sockets. */
  live: { thumbnails: { get(device: DeviceRecord, cameraId: string): Promise<{ jpeg: Buffer; at: Date }> } };
}

const route = routeOf<LiveRouteDeps>();

export const LIVE_ROUTES: HubRouteGroup<LiveRouteDeps> = {
  prefix: '/api/live',
  routes: [
    route({
      method: 'get',
      path: '/cameras',
      access: 'user',
      summary:
        "Cameras the user may watch live (operators and admins: the scheme's; members: their store's where " +
        'the scheme allows it)',
      responses: { 200: { description: 'Cameras', schema: LiveCamera.array() } },
      handle: async (c, _, svc) => {
        const p = c.get('principal');
        const settings = (await svc.dir.scheme(p.scheme)).settings;
        const boxes = new Map((await svc.dir.devices(p.scheme)).filter((d) => d.kind === 'edge').map((d) => [d.id, d]));
        const list: LiveCamera[] = (await svc.repo.listCameras(p.scheme)).flatMap((cam) => {
          const box = boxes.get(cam.deviceId);
          if (p.kind !== 'user' || !box || whyNot(p, box, settings)) return [];
          return [
            { deviceId: cam.deviceId, cameraId: cam.cameraId, name: cam.name, status: cam.status, store: box.store },
          ];
        });
        return c.json(list);
      },
    }),
    route({
      method: 'get',
      path: '/thumbnails/:deviceId/:cameraId',
      access: 'user',
      summary:
        "The device board's picture of a camera, at most 10 s old, for those who may watch that camera live; " +
        'fetched from the edge box only on demand',
      responses: { 200: { description: 'JPEG', raw: ['image/jpeg'] } },
      errors: [403, 404, 503],
      handle: async (c, _, svc) => {
        const cameraId = c.req.param('cameraId')!;
        const device = await authorizeLiveView(svc, c.get('principal'), c.req.param('deviceId')!, cameraId);
        const t = await svc.live.thumbnails.get(device, cameraId);
        return c.body(new Uint8Array(t.jpeg), 200, {
          'Content-Type': 'image/jpeg',
          'Cache-Control': 'private, no-store',
          'Last-Modified': t.at.toUTCString(),
        });
      },
    }),
  ],
};
