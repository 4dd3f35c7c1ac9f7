import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import { MAX_MESSAGE_BYTES, WsClientMessage, type WsServerMessage, isControlRoom } from '@shopwatch/protocols';
import type { AlertService } from '../alerts/service';
import { type Principal, seesZone } from '../auth/principal';
import { SESSION_COOKIE, parseCookies, sameOrigin } from '../auth/session-cookie';
import { type Sessions, userInfo } from '../auth/sessions';
import { hashToken } from '../auth/tokens';
import type { EventBus } from '../bus';
import type { Recipients } from '../directory-interface';
import { HubError } from '../errors';
import type { Logger } from '../log';
import type { Metrics } from '../metrics';
import { TokenBucket } from './token-bucket';

/** What the browser socket uses of the hub: exactly these methods, nothing of HTTP or MQTT. */
export interface BrowserSocketDeps {
  sessions: Pick<Sessions, 'principalFor' | 'isAlive'>;
  alerts: Pick<AlertService, 'list' | 'raise' | 'ack' | 'close'>;
  bus: Pick<EventBus, 'on'>;
  dir: Recipients;
  metrics: Pick<Metrics, 'refused'>;
}

export interface BrowserSocketLimits {
  /** An unauthenticated socket is closed after this long without a valid hello. */
  authGraceMs: number;
  /** Sustained messages per second per socket, and the burst allowed above it. */
  perSecond: number;
  burst: number;
  /** Messages refused for rate beyond this close the socket (1008). */
  floodClose: number;
  /** Ping interval; each beat also re-checks that the socket's session still exists. */
  heartbeatMs: number;
}

export const DEFAULT_LIMITS: BrowserSocketLimits = {
  authGraceMs: 5_000,
  perSecond: 20,
  burst: 40,
  floodClose: 200,
  heartbeatMs: 30_000,
};

/**
 * The browser WebSocket at `/ws`: the dashboard's live channel. Authenticated by the session
 * cookie sent with the upgrade (same origin only) or by a first `hello` message carrying the
 * token. Tokens in the URL are refused: URLs end up in proxy logs and browser history.
 * Pushes the events the user's role may see and accepts raise / ack / close like the HTTP API.
 */
export class BrowserSockets {
  private count = 0;
  /** Open sockets by the hash of the session that authenticated them, so logout can end them. */
  private bySession = new Map<string, Set<WebSocket>>();
  constructor(
    private svc: BrowserSocketDeps,
    private log: Logger,
    private limits: BrowserSocketLimits = DEFAULT_LIMITS,
  ) {}

  get connected() {
    return this.count;
  }

  /** Closes every socket of a session that has ended (logout, revocation). */
  endSession(tokenHash: string) {
    for (const ws of this.bySession.get(tokenHash) ?? []) ws.close(4001, 'session ended');
    this.bySession.delete(tokenHash);
  }

  handle(ws: WebSocket, req: IncomingMessage) {
    this.count++;
    let closed = false;
    // A malformed frame (oversize, invalid UTF-8, RSV bits, bad opcode) arrives as 'error':
    // without this listener it would be an uncaught exception that stops the hub.
    ws.on('error', (err) => {
      this.log.debug({ err: err.message }, 'browser socket closed after a protocol error');
      ws.terminate();
    });
    // The close handshake waits for the peer's answer; a hostile peer never sends it, so the
    // socket is cut a second later instead of the library's 30 s.
    const shut = (code: number, reason: string) => {
      closed = true;
      ws.close(code, reason);
      setTimeout(() => ws.terminate(), 1000).unref();
    };
    const send = (m: WsServerMessage) => ws.readyState === ws.OPEN && ws.send(JSON.stringify(m));
    const fail = (err: unknown, id?: string) => {
      const e = err instanceof HubError ? err : new HubError('internal', 'internal error; it has been logged');
      if (!(err instanceof HubError)) this.log.error({ err }, 'browser message failed');
      else this.svc.metrics.refused.inc({ channel: 'ws', code: e.code });
      send({ type: 'error', id, error: e.toBody() });
    };
    let principal: Principal | null = null;
    let session: string | null = null;
    let unsubscribe: (() => void)[] = [];
    let loggingIn = false;
    let refused = 0;
    const bucket = new TokenBucket(this.limits.perSecond, this.limits.burst);

    const grace = setTimeout(() => {
      if (principal || closed) return;
      fail(new HubError('unauthenticated', `no valid hello within ${this.limits.authGraceMs / 1000} s`));
      shut(4001, 'unauthenticated');
    }, this.limits.authGraceMs);
    let alive = true;
    const heartbeat = setInterval(() => {
      if (!alive) return ws.terminate();
      alive = false;
      ws.ping();
      // A session that ended elsewhere (expiry, a logout on another hub, the user removed from the
      // provisioning file) must not keep its live feed: re-check it on every beat.
      if (session) void this.sessionAlive(session).then((ok) => ok || shut(4001, 'session ended'));
    }, this.limits.heartbeatMs);
    ws.on('pong', () => (alive = true));
    ws.on('close', () => {
      closed = true;
      this.count--;
      clearTimeout(grace);
      clearInterval(heartbeat);
      unsubscribe.forEach((f) => {
        f();
      });
      unsubscribe = [];
      if (session) this.bySession.get(session)?.delete(ws);
    });

    /** A second hello replaces the first: its bus listeners are removed, never added to. */
    const login = async (token: string, id?: string) => {
      if (loggingIn) throw new HubError('rate_limited', 'a hello is already being checked on this socket');
      loggingIn = true;
      try {
        const p = await this.svc.sessions.principalFor(token);
        if (closed) return;
        unsubscribe.forEach((f) => {
          f();
        });
        if (session) this.bySession.get(session)?.delete(ws);
        principal = p;
        session = hashToken(token);
        (this.bySession.get(session) ?? this.bySession.set(session, new Set()).get(session)!).add(ws);
        unsubscribe = this.follow(p, send);
        const alerts = await this.svc.alerts.list(p, { status: 'active', limit: 200 });
        send({ type: 'welcome', user: userInfo(p), alerts });
        if (id) send({ type: 'result', id, data: userInfo(p) });
      } finally {
        loggingIn = false;
      }
    };

    const url = new URL(req.url ?? '/', 'http://x');
    const cookieToken = parseCookies(req.headers.cookie).get(SESSION_COOKIE);
    if (url.searchParams.has('token')) {
      const how = 'send {"type":"hello","token":...} or use the session cookie';
      fail(new HubError('unauthenticated', `tokens in the URL are refused; ${how}`));
      shut(4001, 'unauthenticated');
    } else if (cookieToken && sameOrigin(req.headers.origin, [req.headers.host, forwardedHost(req)])) {
      login(cookieToken).catch((e) => {
        fail(e);
        shut(4001, 'unauthenticated');
      });
    }

    ws.on('message', async (data, isBinary) => {
      if (closed) return;
      // Rate first, before any parsing: a flood costs the hub as little as possible.
      if (!bucket.take()) {
        if (++refused === 1) fail(new HubError('rate_limited', `more than ${this.limits.perSecond} messages a second`));
        if (refused >= this.limits.floodClose) {
          ws.pause(); // stop reading the rest of the flood
          shut(1008, 'message rate exceeded');
        }
        return;
      }
      let msg: WsClientMessage;
      try {
        if (isBinary) throw new HubError('bad_request', 'send JSON text frames');
        const r = WsClientMessage.safeParse(JSON.parse(data.toString()));
        if (!r.success) throw HubError.invalid('invalid message', r.error);
        msg = r.data;
      } catch (e) {
        return fail(e instanceof SyntaxError ? new HubError('bad_request', `malformed JSON: ${e.message}`) : e);
      }
      try {
        if (msg.type === 'ping') return send({ type: 'pong', id: msg.id });
        if (msg.type === 'hello') return await login(msg.token, msg.id);
        if (!principal) throw new HubError('unauthenticated', 'send {"type":"hello","token":...} first');
        const data =
          msg.type === 'raise'
            ? (await this.svc.alerts.raise(principal, msg.raise)).alert
            : msg.type === 'ack'
              ? await this.svc.alerts.ack(principal, msg.alertId, msg.ack)
              : await this.svc.alerts.close(principal, msg.alertId, msg.close);
        send({ type: 'result', id: msg.id, data });
      } catch (e) {
        fail(e, msg.id);
        const badToken = e instanceof HubError && e.code === 'unauthenticated';
        const refusedHello = msg.type === 'hello' && !principal && badToken;
        if (refusedHello) shut(4001, 'unauthenticated');
      }
    });
  }

  private async sessionAlive(tokenHash: string): Promise<boolean> {
    try {
      return await this.svc.sessions.isAlive(tokenHash);
    } catch (err) {
      this.log.warn({ err }, 'session check failed; keeping the socket');
      return true;
    }
  }

  /** Subscribes one socket to the hub events its user may see. */
  private follow(p: Principal, send: (m: WsServerMessage) => void) {
    const bus = this.svc.bus;
    const controlRoom = isControlRoom(p.role);
    return [
      bus.on('alert', (e) => {
        if (e.scheme !== p.scheme || !seesZone(p, e.zone, e.scope === 'scheme')) return;
        // With the devices that owe a receipt, so a new alert does not read "0 / 0" received.
        this.svc.dir.recipients(e.scheme, e.zone, e.event.alert.priority).then(
          (recipients) => send({ type: 'alert', event: e.event, recipients: [...recipients] }),
          () => send({ type: 'alert', event: e.event }),
        );
      }),
      bus.on('delivery', (e) => {
        if (e.scheme === p.scheme && seesZone(p, e.zone))
          send({ type: 'delivery', alertId: e.alertId, deviceId: e.deviceId, seq: e.seq });
      }),
      bus.on('device', (e) => {
        if (controlRoom && e.scheme === p.scheme) send({ type: 'device', status: e.status });
      }),
      bus.on('camera', (e) => {
        if (controlRoom && e.scheme === p.scheme) send({ type: 'camera', status: e.status });
      }),
      bus.on('review', (e) => {
        if (controlRoom && e.scheme === p.scheme) send({ type: 'review', event: e.event });
      }),
    ];
  }
}

export const WS_MAX_PAYLOAD = MAX_MESSAGE_BYTES;

function forwardedHost(req: IncomingMessage): string | undefined {
  const h = req.headers['x-forwarded-host'];
  return Array.isArray(h) ? h[0] : h;
}
