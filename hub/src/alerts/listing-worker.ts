/**
 * The alert listing, built in a worker thread with its own read-only connection to the
 * database (WAL lets it read beside the writer). A page of 500 alerts with a large fleet's
 * delivery lists is megabytes of JSON: built (and gzipped, when the client takes it) here, the
 * broker's event loop only copies bytes to the socket, so raises keep their fast PUBACK while
 * the console lists.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { Principal } from '../auth/principal';
import { InProcessEventBus } from '../bus';
import { Directory } from '../directory';
import { HubError } from '../errors';
import { logger } from '../log';
import { ListingReads } from '../storage/listing-reads';
import { SqliteRepository } from '../storage/sqlite-repository';
import { GzipPieces } from './listing-gzip';
import { ListedAlertCache, listingPageParts, pageJson } from './listing-page';
import { AlertService, type PageFilter } from './service';

export interface ListingRequest {
  id: number;
  principal: Principal;
  filter: PageFilter;
  /** The client accepts `Content-Encoding: gzip`. */
  gzip: boolean;
  /** The version the event loop holds this listing's last page at (listing-pages.ts), if it does. */
  known?: string;
}
export type ListingReply =
  | {
      id: number;
      ok: true;
      body: Uint8Array<ArrayBuffer>;
      gzip: boolean;
      nextCursor: string | null;
      /** The database's version read before the page: the page is at least this new. */
      version: string;
    }
  /** Nothing was committed since the page at `known` was read: send that one again. */
  | { id: number; ok: true; unchanged: true; version: string }
  | { id: number; ok: false; code: string; message: string };

/**
 * Listings are background work beside the broker. On Linux a thread has its own scheduling
 * policy: SCHED_IDLE (set with util-linux's chrt, as Node has no call for it) runs this thread
 * only when the event loop does not want the CPU, and its wake-ups never preempt the event loop
 * (nice values alone still let a woken thread take the CPU from the loop mid-write). Failing
 * that, nice 19; elsewhere, or if refused, the listing runs at the hub's priority.
 */
function lowerThisThreadsPriority() {
  let tid: number;
  try {
    tid = Number(path.basename(fs.readlinkSync('/proc/thread-self')));
  } catch {
    return; // not Linux
  }
  if (!Number.isInteger(tid) || tid <= 0) return;
  try {
    execFileSync('chrt', ['--idle', '--pid', '0', String(tid)], { stdio: 'ignore', timeout: 5000 });
  } catch {
    try {
      os.setPriority(tid, 19);
    } catch {
      // not permitted: keep the priority we have
    }
  }
}
lowerThisThreadsPriority();

/**
 * The bytes as a Uint8Array over an ArrayBuffer of their own, which postMessage can hand over
 * without copying. Small Buffers are slices of Node's shared pool: those (a few KB) are copied.
 */
function transferable(b: Buffer): Uint8Array<ArrayBuffer> {
  const own = b.byteOffset === 0 && b.byteLength === b.buffer.byteLength && b.buffer instanceof ArrayBuffer;
  return own ? new Uint8Array(b.buffer as ArrayBuffer) : new Uint8Array(b);
}

const { dataDir } = workerData as { dataDir: string };
const db = new Database(path.join(dataDir, 'shopwatch.db'), { readonly: true, fileMustExist: true });
db.pragma('busy_timeout = 5000');
const repo = new SqliteRepository(db);
const log = logger('hub:listing');
const dir = new Directory(repo);
const alerts = new AlertService(repo, dir, new InProcessEventBus(log), log);
const reads = new ListingReads(db);
/**
 * Changes with every commit of another connection (the hub's writer), and only then: the listing's
 * version. Read before the page, so a commit that lands while the page is read makes the next
 * version differ and the page is built again: a page is never labelled older than it is.
 */
const dataVersion = db.prepare('PRAGMA data_version').pluck();
const cache = new ListedAlertCache();
/** gzipped pages made of pieces kept between listings: the event loop writes a twentieth of the bytes. */
const gzipped = new GzipPieces();
let generation = -1;

parentPort!.on('message', async (req: ListingRequest) => {
  try {
    const version = String(dataVersion.get());
    if (req.known === version) {
      parentPort!.postMessage({ id: req.id, ok: true, unchanged: true, version } satisfies ListingReply);
      return;
    }
    // Provisioning may have changed who receives what since the last request.
    const g = await repo.provisioningGeneration();
    if (g !== generation) (generation = g), dir.invalidate(), cache.clear(), gzipped.clear();
    const page = await listingPageParts(alerts, repo, reads, cache, req.principal, req.filter);
    const body = transferable(req.gzip ? gzipped.page(page.parts) : pageJson(page.parts));
    const reply: ListingReply = { id: req.id, ok: true, body, gzip: req.gzip, nextCursor: page.nextCursor, version };
    parentPort!.postMessage(reply, [body.buffer as ArrayBuffer]);
  } catch (err) {
    const e = err instanceof HubError ? err : new HubError('internal', (err as Error).message);
    parentPort!.postMessage({ id: req.id, ok: false, code: e.code, message: e.message } satisfies ListingReply);
  }
});
