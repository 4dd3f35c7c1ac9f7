import { Worker } from 'node:worker_threads';
import type { Principal } from '../auth/principal';
import { HubError } from '../errors';
import type { Logger } from '../log';
import type { ListingReply, ListingRequest } from './listing-worker';
import type { AlertService, AlertPage, PageFilter } from './service';

/**
 * A page of alerts: JSON bytes built off the event loop (gzipped when `gzip`), or the alerts
 * themselves (fallback).
 */
export type ListedPage =
  | { body: Uint8Array<ArrayBuffer>; gzip: boolean; nextCursor: string | null }
  | (AlertPage & { body?: undefined });

/**
 * `GET /api/alerts` pages, built by one worker thread (listing-worker.ts) so that the work, the
 * allocations and the garbage of large listings stay off the broker's event loop. Requests queue
 * in the worker one after another. If the worker cannot run, listings are built on the event loop
 * in time slices instead (AlertService.page), which is slower for raises but still correct.
 */
export class AlertListing {
  private worker: Worker | null = null;
  /** False once the worker failed: from then on, listings are built on the event loop. */
  private usable = true;
  private nextId = 1;
  private pending = new Map<number, { resolve: (r: ListedPage) => void; reject: (e: Error) => void }>();

  constructor(
    private dataDir: string,
    private alerts: AlertService,
    private log: Logger,
  ) {}

  /** Started on the first listing, so hubs that never list (most tests) do not pay for a thread. */
  private start(): Worker {
    const w = new Worker(new URL('./listing-worker-boot.mjs', import.meta.url), {
      workerData: { dataDir: this.dataDir },
    });
    w.on('message', (r: ListingReply) => {
      const p = this.pending.get(r.id);
      this.pending.delete(r.id);
      if (!p) return;
      if (r.ok) p.resolve({ body: r.body, gzip: r.gzip, nextCursor: r.nextCursor });
      else p.reject(new HubError(r.code as HubError['code'], r.message));
    });
    w.on('error', (err) => {
      this.log.error({ err }, 'listing worker failed; listing on the event loop from now on');
      this.worker = null;
      this.usable = false;
      for (const p of this.pending.values()) p.reject(new HubError('unavailable', 'listing failed; try again'));
      this.pending.clear();
    });
    w.unref();
    this.worker = w;
    return w;
  }

  async stop() {
    await this.worker?.terminate();
    this.worker = null;
  }

  /** `gzip`: the client accepts a gzipped body (the worker compresses; the fallback does not). */
  page(principal: Principal, filter: PageFilter, gzip = false): Promise<ListedPage> {
    if (!this.usable) return this.alerts.page(principal, filter);
    const w = this.worker ?? this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      w.postMessage({ id, principal, filter, gzip } satisfies ListingRequest);
    });
  }
}
