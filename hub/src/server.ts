import http from 'node:http';
import type { Duplex } from 'node:stream';
import { getRequestListener } from '@hono/node-server';
import { WebSocketServer } from 'ws';
import type { Hono } from 'hono';
import type { Logger } from './log';
import type { Broker } from './mqtt/broker';
import { type BrowserSockets, WS_MAX_PAYLOAD } from './ws/browser';
import type { LiveHub } from './live/live-hub';

/**
 * One HTTP server for the API, the dashboard, MQTT over WebSocket (`/mqtt`) and the browser
 * WebSocket (`/ws`). Upgrades are dispatched here, in one place, by path.
 */
export function createHttpServer(
  app: Hono<any>, broker: Broker, browsers: BrowserSockets, log: Logger, live?: LiveHub,
) {
  const server = http.createServer(getRequestListener(app.fetch));
  server.keepAliveTimeout = 65_000;
  const mqttWss = new WebSocketServer({
    noServer: true,
    maxPayload: 1024 * 1024,
    // MQTT-over-WebSocket clients ask for the "mqtt" subprotocol ([MQTT-6.0.0-3]).
    handleProtocols: (protocols) => (protocols.has('mqtt') ? 'mqtt' : protocols.has('mqttv3.1') ? 'mqttv3.1' : false),
  });
  const browserWss = new WebSocketServer({ noServer: true, maxPayload: WS_MAX_PAYLOAD });

  server.on('upgrade', (req, socket: Duplex, head) => {
    const pathname = new URL(req.url ?? '/', 'http://x').pathname;
    if (pathname === '/mqtt') mqttWss.handleUpgrade(req, socket, head, (ws) => broker.handleWebSocket(ws, req));
    else if (pathname === '/ws') browserWss.handleUpgrade(req, socket, head, (ws) => browsers.handle(ws, req));
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
    close: async () => {
      for (const c of browserWss.clients) c.close(1001, 'hub shutting down');
      for (const c of mqttWss.clients) c.terminate();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
