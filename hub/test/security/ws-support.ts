import crypto from 'node:crypto';
import net from 'node:net';
import WebSocket from 'ws';
import { WsServerMessage } from '@shopwatch/protocols';

/**
 * Hand-made WebSocket frames (RFC 6455 §5.2), for sending what no well-behaved client library
 * will: oversize lengths, invalid UTF-8, reserved bits and opcodes.
 */
export interface FrameSpec {
  opcode: number;
  payload?: Buffer;
  fin?: boolean;
  rsv?: number;
  mask?: boolean;
  /** The length written in the header, whatever the payload really is. */
  declaredLength?: bigint;
}

export function frame(o: FrameSpec): Buffer {
  const payload = o.payload ?? Buffer.alloc(0);
  const len = o.declaredLength ?? BigInt(payload.length);
  const mask = o.mask ?? true;
  const b0 = ((o.fin ?? true) ? 0x80 : 0) | ((o.rsv ?? 0) << 4) | o.opcode;
  let head: Buffer;
  if (len < 126n) head = Buffer.from([b0, (mask ? 0x80 : 0) | Number(len)]);
  else if (len < 65536n) {
    head = Buffer.alloc(4);
    head[0] = b0;
    head[1] = (mask ? 0x80 : 0) | 126;
    head.writeUInt16BE(Number(len), 2);
  } else {
    head = Buffer.alloc(10);
    head[0] = b0;
    head[1] = (mask ? 0x80 : 0) | 127;
    head.writeBigUInt64BE(len, 2);
  }
  if (!mask) return Buffer.concat([head, payload]);
  const key = crypto.randomBytes(4);
  const body = Buffer.from(payload.map((byte, i) => byte ^ key[i % 4]!));
  return Buffer.concat([head, key, body]);
}

/** A raw TCP socket that has completed the WebSocket handshake on `path`; no library parsing. */
export async function rawUpgrade(port: number, path: string, headers: Record<string, string> = {}) {
  const socket = net.connect(port, '127.0.0.1');
  socket.on('error', () => undefined); // the hub may reset it; that is the point
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const extra = Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  socket.write(
    `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${crypto.randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`,
  );
  const head = await new Promise<string>((resolve, reject) => {
    let buf = '';
    const onData = (d: Buffer) => {
      buf += d.toString('latin1');
      if (buf.includes('\r\n\r\n')) {
        socket.off('data', onData);
        resolve(buf);
      }
    };
    socket.on('data', onData);
    setTimeout(() => reject(new Error('no handshake answer')), 5000);
  });
  if (!head.startsWith('HTTP/1.1 101')) throw new Error(`upgrade refused: ${head.split('\r\n')[0]}`);
  return socket;
}

/** Resolves when the peer ends or resets the socket; rejects after `ms`. */
export function closedWithin(socket: net.Socket, ms: number): Promise<number> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    if (socket.destroyed || socket.readableEnded) return resolve(0);
    const t = setTimeout(() => reject(new Error(`socket still open after ${ms} ms`)), ms);
    const done = () => (clearTimeout(t), resolve(performance.now() - t0));
    socket.once('close', done);
    socket.once('end', done);
  });
}

/** A browser-socket client over the `ws` library that records what it receives. */
export class WsClient {
  readonly messages: WsServerMessage[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (d) => this.messages.push(WsServerMessage.parse(JSON.parse(d.toString()))));
    ws.on('error', () => undefined);
    this.closed = new Promise((r) => ws.on('close', (code, reason) => r({ code, reason: reason.toString() })));
  }

  static async open(url: string, opts: WebSocket.ClientOptions = {}): Promise<WsClient> {
    const ws = new WebSocket(url, opts);
    const c = new WsClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return c;
  }

  send(m: unknown) {
    this.ws.send(JSON.stringify(m));
  }

  async waitFor(pred: (m: WsServerMessage) => boolean, ms = 5000): Promise<WsServerMessage> {
    const t0 = Date.now();
    while (Date.now() - t0 < ms) {
      const hit = this.messages.find(pred);
      if (hit) return hit;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`timed out after ${ms} ms; got ${this.messages.map((m) => m.type).join(',')}`);
  }
}

/** Live bus listeners per event kind (the browser sockets subscribe to five kinds). */
export function busListeners(bus: object): number {
  const l = (bus as { listeners: Record<string, unknown[] | undefined> }).listeners;
  return Object.values(l).reduce((n, list) => n + (list?.length ?? 0), 0);
}
