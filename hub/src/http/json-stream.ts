import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Ctx } from './context';

/**
 * Sends a JSON array as a stream, serialising a few milliseconds' worth of items per turn of
 * the event loop. A single `JSON.stringify` of 500 alerts with a large fleet's delivery lists
 * takes tens of milliseconds, and every MQTT acknowledgement would wait behind it.
 */
export function jsonArray(c: Ctx, items: readonly unknown[], budgetMs = 1): Response {
  const enc = new TextEncoder();
  let i = 0;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (i > 0) await nextTurn(); // let socket reads (and the PUBACKs they lead to) run first
      const t0 = performance.now();
      let chunk = i === 0 ? '[' : '';
      do {
        if (i < items.length) chunk += (i ? ',' : '') + JSON.stringify(items[i]);
        i++;
      } while (i < items.length && performance.now() - t0 < budgetMs);
      if (i >= items.length) {
        controller.enqueue(enc.encode(`${chunk}]`));
        controller.close();
      } else controller.enqueue(enc.encode(chunk));
    },
  });
  return c.body(stream, 200, { 'content-type': 'application/json; charset=utf-8' });
}
