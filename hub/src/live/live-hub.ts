import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { LIVE_MAX_SEGMENT_BYTES, LIVE_PATHS } from '@shopwatch/protocols';
import type { AuditLog } from '../audit/log';
import type { DeviceAuthenticator } from '../auth/device-auth';
import type { Presence } from '../devices/presence';
import type { Logger } from '../log';
import type { LiveStreamDirectory } from '../cluster/live-streams';
import { RELAYED_HEADER, relayUpgrade } from './edge-relay';
import { checkEdgeUpgrade, refuseUpgrade } from './edge-upgrade';
import { LiveSessions } from './sessions';
import { LiveThumbnails } from './thumbnails';
import type { ViewerLimits } from './viewer';
import { type ViewSocketDeps, handleViewSocket } from './view-socket';

/** What live view uses of the hub; `publish` sends the start/stop request to the edge box (MQTT). */
export interface LiveHubDeps extends ViewSocketDeps {
  publish: (topic: string, payload: string) => Promise<void>;
  presence: Pick<Presence, 'isOnline'>;
  audit: Pick<AuditLog, 'append'>;
  devices: Pick<DeviceAuthenticator, 'authenticate'>;
  /** Cluster mode: which node waits for which stream, so an edge socket reaching another is relayed. */
  directory?: LiveStreamDirectory;
}

export interface LiveOptions {
  graceMs?: number;
  startTimeoutMs?: number;
  viewerLimits?: ViewerLimits;
}

/**
 * The live view on the hub: the two WebSocket paths (`/live/edge` for edge boxes, `/live/view` for
 * browsers), the streams they share and the device-board thumbnails. The HTTP server hands it the
 * upgrades of its paths; everything else about live view stays in this folder.
 */
export class LiveHub {
  readonly sessions: LiveSessions;
  readonly thumbnails: LiveThumbnails;
  private edgeWss = new WebSocketServer({
    noServer: true,
    maxPayload: LIVE_MAX_SEGMENT_BYTES,
    perMessageDeflate: false,
  });
  private viewWss = new WebSocketServer({ noServer: true, maxPayload: 4096, perMessageDeflate: false });
  private heartbeat: NodeJS.Timeout;
  /** Edge sockets relayed to other nodes, ended when this node stops. */
  private relays = new Set<Duplex>();

  constructor(
    private svc: LiveHubDeps,
    private log: Logger,
    private opts: LiveOptions = {},
  ) {
    const isOnline = (id: string) => svc.presence.isOnline(id);
    this.sessions = new LiveSessions({
      publish: svc.publish,
      isOnline,
      audit: svc.audit,
      log,
      graceMs: opts.graceMs,
      startTimeoutMs: opts.startTimeoutMs,
      directory: svc.directory,
    });
    this.thumbnails = new LiveThumbnails({
      request: (scheme, id, req) => this.sessions.request(scheme, id, req),
      isOnline,
    });
    // A viewer or edge socket that silently died (a phone that lost its network) is noticed and closed.
    const alive = new WeakSet<object>();
    this.heartbeat = setInterval(() => {
      for (const ws of [...this.edgeWss.clients, ...this.viewWss.clients]) {
        if (!alive.has(ws)) ws.terminate();
        else alive.delete(ws), ws.ping();
      }
    }, 30_000);
    this.heartbeat.unref();
    const track = (ws: import('ws').WebSocket) => (alive.add(ws), ws.on('pong', () => alive.add(ws)));
    this.edgeWss.on('connection', track);
    this.viewWss.on('connection', track);
  }

  /** The node listens at `url` (as the other nodes reach it): relayed edge sockets come there. */
  listening(url: string) {
    this.svc.directory?.listening(url);
  }

  /**
   * The node that waits for a stream this node does not know, when the box's socket was sent
   * here (by the front door); null when it is this node's, or nobody's (then refused as before).
   */
  private async relayTarget(req: IncomingMessage, streamId: string): Promise<string | null> {
    const dir = this.svc.directory;
    if (!dir || req.headers[RELAYED_HEADER] !== undefined) return null;
    if (this.sessions.waitsFor(streamId) || this.thumbnails.waitsFor(streamId)) return null;
    return dir.ownerOf(streamId);
  }

  handles(pathname: string): boolean {
    return pathname === LIVE_PATHS.edge || pathname === LIVE_PATHS.view;
  }

  upgrade(pathname: string, req: IncomingMessage, socket: Duplex, head: Buffer) {
    socket.on('error', (err) => this.log.debug({ err: err.message }, 'live upgrade socket error'));
    if (pathname === LIVE_PATHS.view) {
      return this.viewWss.handleUpgrade(req, socket, head, (ws) => {
        this.viewWss.emit('connection', ws, req);
        handleViewSocket(this.svc, this.sessions, ws, req, this.log, this.opts.viewerLimits);
      });
    }
    checkEdgeUpgrade(this.svc.devices, req)
      .then(async (c) => {
        if (!c.ok) return refuseUpgrade(socket, c.status, c.message);
        // Checked here first: only an authenticated edge box's socket is ever relayed.
        let owner: string | null;
        try {
          owner = await this.relayTarget(req, c.streamId);
        } catch (err) {
          // Redis away: whether another node waits for this stream is unknown, so the box tries again.
          this.log.warn({ deviceId: c.device.id, err: (err as Error).message }, 'live stream owner lookup failed');
          return refuseUpgrade(socket, 503, 'the hub cannot look up this stream now; retry');
        }
        if (owner) return relayUpgrade(owner, req, socket, head, this.log, this.relays);
        this.edgeWss.handleUpgrade(req, socket, head, (ws) => {
          this.edgeWss.emit('connection', ws, req);
          const taken =
            this.sessions.attachEdge(c.device, c.streamId, ws) || this.thumbnails.attachEdge(c.device, c.streamId, ws);
          if (!taken) {
            // Nobody asked this box for this stream: it gets no audience.
            this.log.warn({ deviceId: c.device.id }, 'edge box offered a live stream the hub did not ask for');
            ws.close(1008, 'no such stream');
          }
        });
      })
      .catch((err) => {
        // The checks above only fail this way when the store cannot be read: the box may try again.
        this.log.error({ err }, 'live edge upgrade failed');
        refuseUpgrade(socket, 503, 'the hub cannot check this stream now; retry');
      });
  }

  close() {
    clearInterval(this.heartbeat);
    this.sessions.stop();
    for (const c of [...this.edgeWss.clients, ...this.viewWss.clients]) c.terminate();
    for (const r of this.relays) r.destroy();
    this.svc.directory?.close().catch((err) => this.log.debug({ err: err.message }, 'live directory close failed'));
  }
}
