import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Ctx } from './context';

/** 64 KiB: one write of this size costs the event loop well under a millisecond. */
const CHUNK = 64 * 1024;

/**
 * Whether `Accept-Encoding` allows gzip (RFC 9110 §12.5.3): the `gzip` (or `x-gzip`, or `*`)
 * coding with a non-zero quality.
 */
export function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false;
  for (const part of header.toLowerCase().split(',')) {
    const [coding, ...params] = part.split(';').map((s) => s.trim());
    if (coding !== 'gzip' && coding !== 'x-gzip' && coding !== '*') continue;
    const q = params.find((p) => p.startsWith('q='));
    if (!q || Number(q.slice(2)) > 0) return true;
  }
  return false;
}

/**
 * Sends bytes built elsewhere (the listing worker) in 64 KiB chunks, one per turn of the event
 * loop, with the socket's back-pressure respected. Written in one go, a page of several megabytes
 * held the loop for ~20 ms in the kernel's copy and delayed every PUBACK due meanwhile.
 */
export function bytesInChunks(c: Ctx, body: Uint8Array, headers: Record<string, string>): Response {
  let at = 0;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (at > 0) await nextTurn(); // socket reads (and the PUBACKs they lead to) go first
      const end = Math.min(at + CHUNK, body.byteLength);
      controller.enqueue(body.subarray(at, end));
      at = end;
      if (at >= body.byteLength) controller.close();
    },
  });
  return c.body(stream, 200, { ...headers, 'content-length': String(body.byteLength) });
}
