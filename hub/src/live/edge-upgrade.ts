import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { StreamId } from '@shopwatch/protocols';
import type { DeviceAuthenticator } from '../auth/device-auth';
import type { DeviceRecord } from '../storage/repository';

export type EdgeCheck =
  | { ok: true; device: DeviceRecord; streamId: string }
  | { ok: false; status: number; message: string };

/**
 * Checks an edge box's `/live/edge?stream=<id>` upgrade before any WebSocket exists: Basic auth
 * with the device id and secret (as for its HTTP uploads), an edge box, a well-formed stream id.
 * Whether the hub asked that box for that stream is decided by the caller.
 */
export async function checkEdgeUpgrade(
  devices: Pick<DeviceAuthenticator, 'authenticate'>,
  req: IncomingMessage,
): Promise<EdgeCheck> {
  const h = req.headers.authorization ?? '';
  const [id, secret] = h.startsWith('Basic ') ? Buffer.from(h.slice(6), 'base64').toString('utf8').split(/:(.*)/s) : [];
  const device = await devices.authenticate(id, secret);
  if (!device) {
    return { ok: false, status: 401, message: 'edge boxes authenticate with Basic auth: device id and secret' };
  }
  if (device.kind !== 'edge') return { ok: false, status: 403, message: 'only edge boxes send live streams' };
  const stream = StreamId.safeParse(new URL(req.url ?? '/', 'http://x').searchParams.get('stream'));
  if (!stream.success) {
    return { ok: false, status: 400, message: 'the "stream" parameter must be a stream id the hub sent' };
  }
  return { ok: true, device, streamId: stream.data };
}

/** Answers a refused upgrade with a plain HTTP error carrying the usual `{code, message}` body. */
export function refuseUpgrade(socket: Duplex, status: number, message: string) {
  const codes: Record<number, string> = {
    401: 'unauthenticated',
    403: 'forbidden',
    404: 'not_found',
    503: 'unavailable',
  };
  const code = codes[status] ?? 'bad_request';
  const body = JSON.stringify({ code, message });
  const reasons: Record<number, string> = {
    400: 'Bad Request',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'Not Found',
    503: 'Service Unavailable',
  };
  const reason = reasons[status] ?? 'Error';
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
