import type { IncomingMessage } from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from '../log';
import { refuseUpgrade } from './edge-upgrade';

/** Set on a relayed upgrade: the node it reaches takes the stream or refuses it, never relays again. */
export const RELAYED_HEADER = 'x-shopwatch-live-relay';

const CONNECT_TIMEOUT_MS = 5000;

/**
 * Hands an edge box's upgrade request, as it came, to the node at `target` and joins the two
 * sockets byte for byte: that node authenticates the box again and runs the stream exactly as if
 * the box had dialled it (same checks, same viewers' audit). Nothing is parsed or re-encoded
 * here, and backpressure passes through the pipes. Only `http://host:port` targets (the nodes'
 * own network); a node that cannot be reached within 5 s gets the box a 503, and it retries.
 */
export function relayUpgrade(
  target: string,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  log: Logger,
  track: Set<Duplex>,
) {
  const url = new URL(target);
  const host = url.hostname.replace(/^\[|\]$/g, ''); // an IPv6 literal loses its brackets
  const upstream = net.connect({ host, port: Number(url.port || 80) });
  upstream.setNoDelay(true);
  track.add(upstream);
  let joined = false;
  const timer = setTimeout(() => upstream.destroy(new Error('connect timeout')), CONNECT_TIMEOUT_MS);
  upstream.once('connect', () => {
    clearTimeout(timer);
    joined = true;
    // Node's parser already refused header names and values with CR or LF: this writes them back as they were.
    const lines = [`${req.method ?? 'GET'} ${req.url ?? '/'} HTTP/1.1`];
    for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
    lines.push(`${RELAYED_HEADER}: 1`);
    upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
    if (head.length) upstream.write(head);
    socket.pipe(upstream);
    upstream.pipe(socket);
  });
  upstream.on('error', (err) => {
    clearTimeout(timer);
    log.warn({ target, err: err.message }, 'live relay to another hub node failed');
    if (!joined) refuseUpgrade(socket, 503, 'the hub node holding this stream cannot be reached; retry');
  });
  // Either side gone ends the other: the edge box stops its ffmpeg, the owner ends the stream.
  upstream.on('close', () => {
    track.delete(upstream);
    if (joined) socket.destroy();
  });
  socket.on('close', () => upstream.destroy());
}
