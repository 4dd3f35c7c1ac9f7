import { Worker } from 'node:worker_threads';
import type { Principal } from '../auth/principal';
import { HubError } from '../errors';
import type { Logger } from '../log';
import { type BuiltPage, ListedPageCache } from './listing-pages';
import type { ListingReply, ListingRequest } from './listing-worker';
import type { AlertService, AlertPage, PageFilter } from './service';

/**
 * A page of alerts: JSON bytes built off the event loop (gzipped when `gzip`), or the alerts
 * themselves (fallback).
 */
export type ListedPage = BuiltPage | (AlertPage & { body?: undefined });

/** Listings asked for with the same key while none of them has been sent to the worker yet. */
interface Job {
  key: string;
  request: Omit<ListingRequest, 'id' | 'known'>;
  waiters: { resolve: (r: ListedPage) => void; reject: (e: Error) => void }[];
}

/**
 * `GET /api/alerts` pages, built by one worker thread (listing-worker.ts) so that the work, the
 * allocations and the garbage of large listings stay off the broker's event loop. The worker gets
 * one job at a time; identical listings (same principal, filter and encoding) asked for while
 * one waits its turn share that job, and a page nothing has changed since is sent again from
 * ListedPageCache without being built. If the worker cannot run, listings are built on the event
 * loop in time slices instead (AlertService.page), which is slower for raises but still correct.
 */
export class AlertListing {
  private worker: Worker | null = null;
  /** False once the worker failed: from then on, listings are built on the event loop. */
  private usable = true;
  private nextId = 1;
  private queue: Job[] = [];
  /** The job the worker is on; no other is sent until it answers. */
  private running: (Job & { id: number; cached: ReturnType<ListedPageCache['latest']> }) | null = null;
  private pages = new ListedPageCache();
  /** Pages built by the worker, sent again unchanged, and listings that joined another's job. */
  readonly stats = { built: 0, reused: 0, coalesced: 0 };

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
    w.on('message', (r: ListingReply) => this.answered(r));
    w.on('error', (err) => {
      this.log.error({ err }, 'listing worker failed; listing on the event loop from now on');
      this.worker = null;
      this.usable = false;
      this.pages.clear();
      const job = this.running;
      this.running = null;
      for (const p of job?.waiters ?? []) p.reject(new HubError('unavailable', 'listing failed; try again'));
      // Those not sent yet are still answered, built on the event loop.
      for (const queued of this.queue.splice(0)) this.fallback(queued);
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
    const key = JSON.stringify([principal, filter, gzip]);
    return new Promise((resolve, reject) => {
      const waiting = this.queue.find((j) => j.key === key);
      if (waiting) {
        // Not sent yet, so its reads come after this request arrived: its page is current for both.
        this.stats.coalesced++;
        waiting.waiters.push({ resolve, reject });
        return;
      }
      this.queue.push({ key, request: { principal, filter, gzip }, waiters: [{ resolve, reject }] });
      this.next();
    });
  }

  private next() {
    if (this.running || !this.usable) return;
    const job = this.queue.shift();
    if (!job) return;
    const w = this.worker ?? this.start();
    const id = this.nextId++;
    // The page held now is the one the worker's "unchanged" refers to, whatever the cache does meanwhile.
    const cached = this.pages.latest(job.key);
    this.running = { ...job, id, cached };
    w.postMessage({ id, ...job.request, known: cached?.version } satisfies ListingRequest);
  }

  private answered(r: ListingReply) {
    const job = this.running;
    if (!job || job.id !== r.id) return;
    this.running = null;
    let outcome: { page: BuiltPage } | { error: Error };
    if (!r.ok) outcome = { error: new HubError(r.code as HubError['code'], r.message) };
    else if ('unchanged' in r && job.cached) {
      this.stats.reused++;
      outcome = { page: job.cached.page };
    } else if ('unchanged' in r) outcome = { error: new HubError('internal', 'unchanged from a page never sent') };
    else {
      const page: BuiltPage = { body: r.body, gzip: r.gzip, nextCursor: r.nextCursor };
      this.pages.set(job.key, r.version, page);
      this.stats.built++;
      outcome = { page };
    }
    for (const p of job.waiters) 'page' in outcome ? p.resolve(outcome.page) : p.reject(outcome.error);
    this.next();
  }

  private fallback(job: Job) {
    const { principal, filter } = job.request;
    const built = this.alerts.page(principal, filter);
    for (const p of job.waiters) built.then(p.resolve, p.reject);
  }
}
