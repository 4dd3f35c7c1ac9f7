import { Hono } from 'hono';
import { type DeviceSummary, NoQuery, type SchemeInfo } from '@shopwatch/protocols';
import type { HubServices } from '../services';
import { type Env, query, requireRole, requireUser } from './context';

export function schemeRoutes(svc: HubServices) {
  const app = new Hono<Env>();
  // Mounted at /api beside other groups: authenticate per route, not with a catch-all.
  const user = requireUser(svc);

  /** The scheme's zones and stores, for the plan and the raise form. Every role may see it. */
  app.get('/scheme', user, async (c) => {
    query(c, NoQuery);
    const s = await svc.dir.scheme(c.get('principal').scheme);
    const info: SchemeInfo = {
      id: s.id,
      name: s.name,
      escalationSeconds: s.settings.escalationSeconds,
      zones: s.zones,
      stores: s.stores,
    };
    return c.json(info);
  });

  /** The device board: the control room's view of every radio, tablet, edge box and camera. */
  app.get('/devices', user, requireRole('admin', 'coordinator', 'operator'), async (c) => {
    query(c, NoQuery);
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
  });
  return app;
}
