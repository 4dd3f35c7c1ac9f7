import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import { LiveViewClientMessage, type LiveViewServerMessage } from '@shopwatch/protocols';
import type { Principal } from '../auth/principal';
import { SESSION_COOKIE, parseCookies } from '../auth/session-cookie';
import type { Sessions } from '../auth/sessions';
import { HubError } from '../errors';
import type { Logger } from '../log';
import { type LiveAccessDeps, authorizeLiveView } from './access';
import type { LiveSession } from './session';
import type { LiveSessions } from './sessions';
import { LiveViewer, type ViewerLimits } from './viewer';

const HELLO_WITHIN_MS = 10_000;

/** What a live-view socket uses of the hub: the session check and the live-view rule's reads. */
export interface ViewSocketDeps extends LiveAccessDeps {
  sessions: Pick<Sessions, 'principalFor'>;
}

/**
 * A cookie rides along on any request to our host; only a page of our own origin may use it here.
 * Stricter than the browser socket's check: a live view is always opened by the dashboard page.
 */
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
  svc: ViewSocketDeps,
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
    principal = await svc.sessions.principalFor(token);
    send({ type: 'authenticated', user: principal.id });
  };
  const fromCookie = parseCookies(req.headers.cookie).get(SESSION_COOKIE);
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
