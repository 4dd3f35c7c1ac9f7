import { createLogger, type Logger } from '../log';
import { Backoff } from '../util/backoff';
import type { Spool, SpoolItem } from './types';

export interface DeliveryLoopOptions {
  spool: Spool;
  /** Resolves when the hub acknowledged the item; a rejection retries it after a backoff. */
  deliver: (item: SpoolItem) => Promise<void>;
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  log?: Logger;
}

/**
 * Drains the spool in order: the head item is sent until the hub acknowledges it (with the same
 * idempotency key each time, so the hub removes duplicates), then marked delivered, then the
 * next. A failure waits with exponential backoff and retries the same item — never skips it.
 *
 * @example
 * const loop = startDelivery({ spool, deliver: (item) => uplink.deliver(item) });
 * ...; await loop.stop();
 */
export function startDelivery(opts: DeliveryLoopOptions): { stop(): Promise<void>; readonly delivered: number } {
  const log = opts.log ?? createLogger('agent:delivery');
  const backoff = new Backoff(opts.backoffInitialMs ?? 500, opts.backoffMaxMs ?? 30_000);
  const ac = new AbortController();
  let delivered = 0;
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      ac.signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
    });

  const loop = (async () => {
    while (!ac.signal.aborted) {
      let item: SpoolItem;
      try {
        item = await opts.spool.next(ac.signal);
      } catch {
        return; // aborted or closed
      }
      try {
        await opts.deliver(item);
        opts.spool.markDelivered(item.id);
        delivered++;
        backoff.reset();
      } catch (err) {
        const ms = backoff.next();
        log.warn({ itemId: item.id, err: (err as Error).message, retryMs: ms }, 'delivery failed; will retry');
        await sleep(ms);
      }
    }
  })();

  return {
    async stop() {
      ac.abort();
      await loop;
    },
    get delivered() {
      return delivered;
    },
  };
}
