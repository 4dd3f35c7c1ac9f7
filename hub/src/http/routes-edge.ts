import { Hono, type MiddlewareHandler } from 'hono';
import { HubError } from '../errors';
import type { DeviceRecord } from '../storage/repository';
import type { HubServices } from '../services';
import type { Env } from './context';
import { discardRestOfBody } from './unread-body';

type EdgeEnv = Env & { Variables: { device: DeviceRecord } };

/** Edge boxes authenticate over HTTP like over MQTT: Basic auth with device id and secret. */
function requireEdge(svc: HubServices): MiddlewareHandler<EdgeEnv> {
  return async (c, next) => {
    const h = c.req.header('authorization') ?? '';
    const [id, secret] = h.startsWith('Basic ')
      ? Buffer.from(h.slice(6), 'base64').toString('utf8').split(/:(.*)/s)
      : [];
    const device = await svc.devices.authenticate(id, secret);
    if (!device) throw new HubError('unauthenticated', 'edge boxes authenticate with Basic auth: device id and secret');
    if (device.kind !== 'edge') throw new HubError('forbidden', 'only edge boxes use this API');
    c.set('device', device);
    await next();
  };
}

const intHeader = (v: string | undefined, name: string) => {
  if (v === undefined || !/^\d+$/.test(v)) throw new HubError('bad_request', `${name} header must be a whole number`);
  return Number(v);
};

export function edgeRoutes(svc: HubServices) {
  const app = new Hono<EdgeEnv>();
  app.use('*', requireEdge(svc));

  /** The hub's clock, so an edge box can state its clock offset in evidence manifests. */
  app.get('/time', (c) => c.json({ now: new Date().toISOString() }));

  /** The scheme's active templates (descriptors only, never photos). */
  app.get('/gallery', async (c) => c.json(await svc.gallery.snapshot(c.get('device').scheme)));

  // HEAD (Hono answers it with this GET handler, without the body) tells how much the hub holds.
  app.get('/files/:candidateId/:name', async (c) => {
    const s = await svc.uploads.state(c.get('device'), c.req.param('candidateId'), c.req.param('name'));
    return c.json(s, 200, {
      'Upload-Offset': String(s.offset),
      ...(s.length !== null ? { 'Upload-Length': String(s.length) } : {}),
      'Upload-Complete': String(s.complete),
      'Cache-Control': 'no-store',
    });
  });

  app.patch('/files/:candidateId/:name', async (c) => {
    let res: Awaited<ReturnType<typeof svc.uploads.append>>;
    try {
      res = await svc.uploads.append(
        c.get('device'),
        c.req.param('candidateId'),
        c.req.param('name'),
        {
          offset: intHeader(c.req.header('upload-offset'), 'Upload-Offset'),
          length: intHeader(c.req.header('upload-length'), 'Upload-Length'),
          sha256: c.req.header('x-content-sha256') ?? '',
        },
        c.req.raw.body,
      );
    } catch (err) {
      // A refusal is usually sent before the body is read: the device gets the answer, and a
      // body it keeps sending is cut off instead of read to its end.
      discardRestOfBody(c);
      const retry = (err as { retryAfter?: number }).retryAfter;
      if (retry) c.header('retry-after', String(retry));
      throw err;
    }
    const headers = { 'Upload-Offset': String(res.offset) };
    if (!res.complete) return c.body(null, 204, headers);
    return c.json(
      {
        candidateId: c.req.param('candidateId'),
        name: c.req.param('name'),
        bytes: res.offset,
        sha256: res.sha256!,
        verified: true,
      },
      201,
      headers,
    );
  });
  return app;
}
