import type { MiddlewareHandler } from 'hono';
import type { DeviceAuthenticator } from '../auth/device-auth';
import { HubError } from '../errors';
import type { Env } from './context';

export interface EdgeAuthDeps {
  devices: Pick<DeviceAuthenticator, 'authenticate'>;
}

/** Edge boxes authenticate over HTTP like over MQTT: Basic auth with device id and secret. */
export function requireEdge(svc: EdgeAuthDeps): MiddlewareHandler<Env> {
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
