import WebSocket from 'ws';
import { LIVE_MAX_SEGMENT_BYTES, LIVE_PATHS } from '@shopwatch/protocols';
import { Backoff } from '../util/backoff';

export interface HubLink {
  /** The hub's HTTP base URL (`http://hub:8080`); the socket uses ws/wss on the same host. */
  httpUrl: string;
  deviceId: string;
  secret: string;
}

/**
 * Dials `/live/edge?stream=<id>` on the hub, authenticated like the edge's HTTP uploads (Basic
 * auth with the device id and secret). The store's network only lets connections out, so the
 * box always dials; the hub refuses a stream id it did not ask this box for.
 */
export function dialHub(link: HubLink, streamId: string): WebSocket {
  const base = `${link.httpUrl.replace(/\/$/, '')}/`;
  const url = new URL(`${LIVE_PATHS.edge}?stream=${encodeURIComponent(streamId)}`, base);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  const auth = Buffer.from(`${link.deviceId}:${link.secret}`).toString('base64');
  return new WebSocket(url, {
    headers: { authorization: `Basic ${auth}` },
    handshakeTimeout: 10_000,
    // The hub sends only small control frames; anything big is not from our hub.
    maxPayload: 64 * 1024,
    perMessageDeflate: false, // H.264 does not compress; deflate would only cost CPU
  });
}

/** How a thumbnail's or a refusal's one message is retried: the hub waits 10 s for it. */
const SEND_RETRY = { firstMs: 250, maxMs: 2000, windowMs: 8000 };

/**
 * Dials the stream's socket, sends one message (a JPEG, or a `failed` report) and closes. A 503
 * or a hub that cannot be reached is tried again with growing waits while the hub still waits
 * for the message; any other refusal is final.
 */
export async function sendOnce(
  link: HubLink,
  streamId: string,
  payload: Buffer | string,
  retry = SEND_RETRY,
): Promise<void> {
  const backoff = new Backoff(retry.firstMs, retry.maxMs);
  const from = Date.now();
  for (;;) {
    const why = await sendAttempt(link, streamId, payload);
    if (why === null) return;
    const wait = backoff.next();
    if (Date.now() + wait - from > retry.windowMs) throw new Error(`hub did not take the message: ${why}`);
    await new Promise((r) => setTimeout(r, wait));
  }
}

/** One dial: null once sent, a reason to try again, or a rejection for a refusal that is final. */
function sendAttempt(link: HubLink, streamId: string, payload: Buffer | string): Promise<string | null> {
  const ws = dialHub(link, streamId);
  return new Promise((resolve, reject) => {
    let opened = false;
    ws.on('open', () => ((opened = true), ws.send(payload, () => ws.close(1000, 'sent'))));
    ws.on('unexpected-response', (req, res) => {
      req.destroy();
      if (res.statusCode === 503) resolve('hub busy (503)');
      else reject(new Error(`hub refused the message (${res.statusCode})`));
    });
    ws.on('error', (err) => {
      if (opened) reject(err);
      else resolve(`hub unreachable (${err.message})`);
    });
    // After a refusal was settled this changes nothing.
    ws.on('close', () => resolve(opened ? null : 'hub closed before the socket opened'));
  });
}

/**
 * Hides the user and password of any URL in a text. ffmpeg's errors quote the camera URL
 * (`rtsp://admin:secret@10.0.0.20/...: Connection refused`), and a reason travels to the hub and
 * on to every viewer's browser: camera credentials must never leave the box.
 */
export function redactUrls(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^\s/@]+@/gi, '$1***@');
}

/** `failed` message: why there is no stream or picture, so viewers are not left waiting. */
export const failure = (reason: string) => JSON.stringify({ type: 'failed', reason: redactUrls(reason).slice(0, 500) });

/** Largest segment the edge sends; the hub refuses bigger ones, so a bigger one ends the stream. */
export const MAX_SEGMENT_BYTES = LIVE_MAX_SEGMENT_BYTES;
