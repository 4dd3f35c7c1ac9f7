import { CONTROL_ROOM_ROLES } from '@shopwatch/protocols';
import { DeviceSummary, NoQuery, SchemeInfo } from '@shopwatch/protocols';
import type { HubDirectory } from '../directory-interface';
import type { Presence } from '../devices/presence';
import type { Repository } from '../storage/repository';
import { type HubRouteGroup, routeOf } from './route-table';

/** What the scheme and device board routes read. */
export interface SchemeRouteDeps {
  dir: Pick<HubDirectory, 'scheme'>;
  repo: Pick<Repository, 'listCameras' | 'listDevices'>;
  presence: Pick<Presence, 'isOnline'>;
}

const route = routeOf<SchemeRouteDeps>();

// Mounted at /api beside other groups: access per route, not for the whole prefix.
export const SCHEME_ROUTES: HubRouteGroup<SchemeRouteDeps> = {
  prefix: '/api',
  routes: [
    route({
      method: 'get',
      path: '/scheme',
      access: 'user',
      summary: 'Zones and stores of your scheme, for the plan and the raise form',
      query: NoQuery,
      responses: { 200: { description: 'The scheme', schema: SchemeInfo } },
      handle: async (c, _, svc) => {
        const s = await svc.dir.scheme(c.get('principal').scheme);
        const info: SchemeInfo = {
          id: s.id,
          name: s.name,
          escalationSeconds: s.settings.escalationSeconds,
          zones: s.zones,
          stores: s.stores,
        };
        return c.json(info);
      },
    }),
    route({
      method: 'get',
      path: '/devices',
      access: CONTROL_ROOM_ROLES,
      summary: "The device board: the control room's view of every radio, tablet, edge box and camera",
      query: NoQuery,
      responses: { 200: { description: 'Devices with presence and cameras', schema: DeviceSummary.array() } },
      handle: async (c, _, svc) => {
        const p = c.get('principal');
        const s = await svc.dir.scheme(p.scheme);
        const cameras = await svc.repo.listCameras(p.scheme);
        const list: DeviceSummary[] = (await svc.repo.listDevices(p.scheme)).map((d) => ({
          id: d.id,
          kind: d.kind,
          name: d.name,
          scheme: d.scheme,
          store: d.store,
          zone: d.store ? (s.stores.find((st) => st.id === d.store)?.zone ?? null) : null,
          duty: d.duty,
          status: svc.presence.isOnline(d.id) ? 'online' : 'offline',
          lastSeen: d.lastSeen,
          cameras: cameras.filter((cam) => cam.deviceId === d.id),
        }));
        return c.json(list);
      },
    }),
  ],
};
