import type { HttpBindings } from '@hono/node-server';

type Ctx = { env: HttpBindings | undefined; req: { raw: Request } };

/**
 * After a refusal sent before (all of) the request body was read. Closing the socket at once
 * ("Connection: close") can lose the answer itself: the kernel resets a connection closed with
 * unread data, and the reset may overtake the response — an honest edge box would then see a
 * network error and retry a file the hub will never take. Leaving the body unread is no better:
 * the connection stays stuck in the old request. So the rest of the body is read and thrown
 * away (nothing is kept in memory) for up to `graceMs`; a body still arriving then is cut off.
 */
export function discardRestOfBody(c: Ctx, graceMs = 2000) {
  const socket = c.env?.incoming?.socket;
  const body = c.req.raw.body;
  if (!socket || !body || body.locked) return;
  const reader = body.getReader();
  const timer = setTimeout(() => socket.destroy(), graceMs);
  timer.unref();
  void (async () => {
    try {
      for (;;) if ((await reader.read()).done) break;
    } catch {
      // the client went away: nothing left to discard
    }
    clearTimeout(timer);
  })();
}
