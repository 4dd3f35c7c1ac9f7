import http from 'node:http';
import type { Duplex } from 'node:stream';
import { getRequestListener } from '@hono/node-server';
import { WebSocketServer } from 'ws';
import type { Env, Hono } from 'hono';
import type { Logger } from './log';
import type { Broker } from './mqtt/broker';
import { type BrowserSockets, WS_MAX_PAYLOAD } from './ws/browser';
import type { LiveHub } from './live/live-hub';

/** How long a stopping hub lets HTTP requests in flight finish before it cuts them. */
export const HTTP_CLOSE_GRACE_MS = 5_000;

/**
 * One HTTP server for the API, the dashboard, MQTT over WebSocket (`/mqtt`) and the browser
 * WebSocket (`/ws`). Upgrades are dispatched here, in one place, by path.
 *
 * Every socket gets an `error` listener: Node turns an `error` event with no listener into an
 * uncaught exception, and `ws` emits one for every malformed frame a client sends (oversize
 * payload, invalid UTF-8, RSV bits, unknown opcode). Without these one hostile frame stops the
 * hub; with them only that socket is closed.
 */
export function createHttpServer<E extends Env>(
  app: Hono<E>,
  broker: Broker,
  browsers: BrowserSockets,
  log: Logger,
  live?: LiveHub,
) {
  const server = http.createServer(getRequestListener(app.fetch));
  server.keepAliveTimeout = 65_000;
  // A client that sends garbage before a request is answered 400 and closed, not thrown.
  server.on('clientError', (err, socket) => {
    log.debug({ err: (err as Error).message }, 'HTTP client error');
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    else socket.destroy();
  });
  const mqttWss = new WebSocketServer({
    noServer: true,
    maxPayload: 1024 * 1024,
    // MQTT-over-WebSocket clients ask for the "mqtt" subprotocol ([MQTT-6.0.0-3]).
    handleProtocols: (protocols) => (protocols.has('mqtt') ? 'mqtt' : protocols.has('mqttv3.1') ? 'mqttv3.1' : false),
  });
  const browserWss = new WebSocketServer({ noServer: true, maxPayload: WS_MAX_PAYLOAD });
  for (const wss of [mqttWss, browserWss]) {
    wss.on('error', (err) => log.warn({ err: err.message }, 'WebSocket server error'));
  }

  server.on('upgrade', (req, socket: Duplex, head) => {
    // Until `ws` takes the socket over (and after, for errors it does not see), a reset or a
    // half-written handshake must only end this socket.
    socket.on('error', (err) => {
      log.debug({ err: err.message }, 'upgrade socket error');
      socket.destroy();
    });
    let pathname: string;
    try {
      pathname = new URL(req.url ?? '/', 'http://x').pathname;
    } catch {
      pathname = '';
    }
    if (pathname === '/mqtt') {
      mqttWss.handleUpgrade(req, socket, head, (ws) => {
        ws.on('error', (err) => {
          log.debug({ err: err.message }, 'MQTT WebSocket closed after a protocol error');
          ws.terminate();
        });
        broker.handleWebSocket(ws, req);
      });
    } else if (pathname === '/ws') browserWss.handleUpgrade(req, socket, head, (ws) => browsers.handle(ws, req));
    // `/live/edge` (edge boxes send a camera) and `/live/view` (browsers watch it)
    else if (live?.handles(pathname)) live.upgrade(pathname, req, socket, head);
    else {
      log.warn({ path: pathname }, 'upgrade refused: unknown path');
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    }
  });

  return {
    server,
    listen: (port: number, host: string) =>
      new Promise<number>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => resolve((server.address() as { port: number }).port));
      }),
    /**
     * Stops accepting, lets requests in flight (an upload PATCH, a raise) finish for up to
     * `graceMs`, closing each keep-alive connection as soon as it is idle; what is still open then
     * is cut (an upload resumes from its offset, on another replica if need be).
     */
    close: async (graceMs = HTTP_CLOSE_GRACE_MS) => {
      for (const c of browserWss.clients) c.close(1001, 'hub shutting down');
      for (const c of mqttWss.clients) c.terminate();
      const closed = new Promise<void>((r) => server.close(() => r()));
      server.closeIdleConnections();
      const idle = setInterval(() => server.closeIdleConnections(), 25);
      const cut = setTimeout(() => {
        server.closeAllConnections();
        for (const c of browserWss.clients) c.terminate(); // a browser that never answered the close
      }, graceMs);
      try {
        await closed;
      } finally {
        clearInterval(idle);
        clearTimeout(cut);
      }
    },
  };
}
