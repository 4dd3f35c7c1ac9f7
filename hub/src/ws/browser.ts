import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import { MAX_MESSAGE_BYTES, WsClientMessage, type WsServerMessage } from '@shopwatch/protocols';
import { type Principal, seesZone } from '../auth/principal';
import { HubError } from '../errors';
import { principalForToken } from '../http/context';
import { userInfo } from '../http/routes-auth';
import type { Logger } from '../log';
import type { HubServices } from '../services';

const CONTROL_ROOM = new Set(['admin', 'coordinator', 'operator']);

/**
 * The browser WebSocket at `/ws`: the dashboard's live channel. Authenticated by the login
 * token (`?token=` or a first `hello` message); pushes the events the user's role may see and
 * accepts raise / ack / close like the HTTP API.
 */
export class BrowserSockets {
  private count = 0;
  constructor(private svc: HubServices, private log: Logger) {}

  get connected() {
    return this.count;
  }

  handle(ws: WebSocket, req: IncomingMessage) {
    this.count++;
    const send = (m: WsServerMessage) => ws.readyState === ws.OPEN && ws.send(JSON.stringify(m));
    const fail = (err: unknown, id?: string) => {
      const e = err instanceof HubError ? err : new HubError('internal', 'internal error; it has been logged');
      if (!(err instanceof HubError)) this.log.error({ err }, 'browser message failed');
      else this.svc.metrics.refused.inc({ channel: 'ws', code: e.code });
      send({ type: 'error', id, error: e.toBody() });
    };
    let principal: Principal | null = null;
    let unsubscribe: (() => void)[] = [];
    let alive = true;
    const heartbeat = setInterval(() => {
      if (!alive) return ws.terminate();
      alive = false;
      ws.ping();
    }, 30_000);
    ws.on('pong', () => (alive = true));
    ws.on('close', () => {
      this.count--;
      clearInterval(heartbeat);
      unsubscribe.forEach((f) => f());
    });

    const login = async (token: string | undefined, id?: string) => {
      principal = await principalForToken(this.svc, token);
      unsubscribe = this.follow(principal, send);
      const alerts = await this.svc.alerts.list(principal, { status: 'active', limit: 200 });
      send({ type: 'welcome', user: userInfo(principal), alerts });
      if (id) send({ type: 'result', id, data: userInfo(principal) });
    };

    const token = new URL(req.url ?? '/', 'http://x').searchParams.get('token') ?? undefined;
    if (token) login(token).catch((e) => { fail(e); ws.close(4001, 'unauthenticated'); });

    ws.on('message', async (data, isBinary) => {
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
          msg.type === 'raise' ? (await this.svc.alerts.raise(principal, msg.raise)).alert
          : msg.type === 'ack' ? await this.svc.alerts.ack(principal, msg.alertId, msg.ack)
          : await this.svc.alerts.close(principal, msg.alertId, msg.close);
        send({ type: 'result', id: msg.id, data });
      } catch (e) {
        fail(e, msg.id);
      }
    });
  }

  /** Subscribes one socket to the hub events its user may see. */
  private follow(p: Principal, send: (m: WsServerMessage) => void) {
    const bus = this.svc.bus;
    const controlRoom = p.role !== null && CONTROL_ROOM.has(p.role);
    return [
      bus.on('alert', (e) => {
        if (e.scheme !== p.scheme || !seesZone(p, e.zone, e.scope === 'scheme')) return;
        // With the devices that owe a receipt, so a new alert does not read "0 / 0" received.
        this.svc.dir.recipients(e.scheme, e.zone, e.event.alert.priority).then(
          (recipients) => send({ type: 'alert', event: e.event, recipients }),
          () => send({ type: 'alert', event: e.event }),
        );
      }),
      bus.on('delivery', (e) => {
        if (e.scheme === p.scheme && seesZone(p, e.zone)) send({ type: 'delivery', alertId: e.alertId, deviceId: e.deviceId, seq: e.seq });
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
