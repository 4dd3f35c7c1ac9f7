import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import { LiveViewClientMessage, type LiveViewServerMessage } from '@shopwatch/protocols';
import type { Principal } from '../auth/principal';
import { HubError } from '../errors';
import { principalForToken } from '../http/context';
import type { Logger } from '../log';
import type { HubServices } from '../services';
import { authorizeLiveView } from './access';
import type { LiveSession } from './session';
import type { LiveSessions } from './sessions';
import { LiveViewer, type ViewerLimits } from './viewer';

/** The session cookie the dashboard's sign-in sets (HttpOnly, SameSite=Strict). */
export const SESSION_COOKIE = 'sw_session';
const HELLO_WITHIN_MS = 10_000;

function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').slice(0, 8192).split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** A cookie rides along on any request to our host; only a page of our own origin may use it here. */
function sameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (!origin) return false;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

/**
 * One browser socket at `/live/view`: authenticate (first message `hello` with the session token,
 * or the session cookie from a same-origin page; never a token in the URL), open one camera with
 * a reason, then receive it; `ack` messages keep the viewer's queue moving.
 */
export function handleViewSocket(
  svc: HubServices,
  sessions: LiveSessions,
  ws: WebSocket,
  req: IncomingMessage,
  log: Logger,
  limits?: ViewerLimits,
) {
  const send = (m: LiveViewServerMessage) => ws.readyState === ws.OPEN && ws.send(JSON.stringify(m));
  const fail = (err: unknown, close = false) => {
    const e = err instanceof HubError ? err : new HubError('internal', 'internal error; it has been logged');
    if (!(err instanceof HubError)) log.error({ err }, 'live view message failed');
    send({ type: 'error', error: e.toBody() });
    if (close) ws.close(1008, e.code);
  };
  let principal: Principal | null = null;
  let viewer: LiveViewer | null = null;
  let session: LiveSession | null = null;
  let busy = false;
  ws.on('error', (err) => log.warn({ err: err.message }, 'live view socket error'));
  ws.on('close', () => {
    clearTimeout(helloTimer);
    if (session && viewer) sessions.close(session, viewer);
  });
  const noHello = new HubError('unauthenticated', 'send {"type":"hello","token":...} first');
  const helloTimer = setTimeout(() => !principal && fail(noHello, true), HELLO_WITHIN_MS);

  if (new URL(req.url ?? '/', 'http://x').searchParams.has('token')) {
    const why = 'tokens do not go in URLs (they end up in logs); send a hello message';
    return fail(new HubError('bad_request', why), true);
  }
  const login = async (token: string) => {
    principal = await principalForToken(svc, token);
    send({ type: 'authenticated', user: principal.id });
  };
  const fromCookie = cookie(req, SESSION_COOKIE);
  if (fromCookie && sameOrigin(req)) login(fromCookie).catch(() => {}); // a stale cookie: a hello may still follow

  ws.on('message', async (data, isBinary) => {
    let msg: LiveViewClientMessage;
    try {
      if (isBinary) throw new HubError('bad_request', 'send JSON text frames');
      const r = LiveViewClientMessage.safeParse(JSON.parse(data.toString()));
      if (!r.success) throw HubError.invalid('invalid message', r.error);
      msg = r.data;
    } catch (e) {
      return fail(e instanceof SyntaxError ? new HubError('bad_request', `malformed JSON: ${e.message}`) : e);
    }
    if (msg.type === 'ack') return viewer?.ack(msg.received);
    if (busy) return fail(new HubError('conflict', 'wait for the answer to the previous message'));
    busy = true;
    try {
      if (msg.type === 'hello') return await login(msg.token);
      if (!principal) throw new HubError('unauthenticated', 'send {"type":"hello","token":...} first');
      if (viewer) throw new HubError('conflict', 'this socket already shows a camera; open another socket for another');
      const device = await authorizeLiveView(svc, principal, msg.deviceId, msg.cameraId);
      if (ws.readyState !== ws.OPEN) return;
      const request = { deviceId: msg.deviceId, cameraId: msg.cameraId, reason: msg.reason };
      viewer = new LiveViewer(ws, principal, request, limits);
      session = await sessions.open(device, viewer);
      if (ws.readyState !== ws.OPEN) sessions.close(session, viewer); // left while we were opening
    } catch (e) {
      viewer = null;
      fail(e, msg.type === 'open' || (msg.type === 'hello' && e instanceof HubError && e.code === 'unauthenticated'));
    } finally {
      busy = false;
    }
  });
}
