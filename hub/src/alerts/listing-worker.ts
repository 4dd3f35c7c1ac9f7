/**
 * The alert listing, built in a worker thread with its own read-only connection to the
 * database (WAL lets it read beside the writer). A page of 500 alerts with a large fleet's
 * delivery lists is megabytes of JSON: built here, the broker's event loop only copies bytes
 * to the socket, so raises keep their fast PUBACK while the console lists.
 */
import path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { Principal } from '../auth/principal';
import { InProcessEventBus } from '../bus';
import { Directory } from '../directory';
import { HubError } from '../errors';
import { logger } from '../log';
import { SqliteRepository } from '../storage/sqlite-repository';
import { AlertService, type PageFilter } from './service';

export interface ListingRequest {
  id: number;
  principal: Principal;
  filter: PageFilter;
}
export type ListingReply =
  | { id: number; ok: true; body: Uint8Array<ArrayBuffer>; nextCursor: string | null }
  | { id: number; ok: false; code: string; message: string };

const { dataDir } = workerData as { dataDir: string };
const db = new Database(path.join(dataDir, 'shopwatch.db'), { readonly: true, fileMustExist: true });
db.pragma('busy_timeout = 5000');
const repo = new SqliteRepository(db);
const log = logger('hub:listing');
const dir = new Directory(repo);
const alerts = new AlertService(repo, dir, new InProcessEventBus(log), log);
let generation = -1;

parentPort!.on('message', async (req: ListingRequest) => {
  try {
    // Provisioning may have changed who receives what since the last request.
    const g = await repo.provisioningGeneration();
    if (g !== generation) (generation = g), dir.invalidate();
    const page = await alerts.page(req.principal, req.filter);
    const body = new TextEncoder().encode(JSON.stringify(page.alerts));
    const reply: ListingReply = { id: req.id, ok: true, body, nextCursor: page.nextCursor };
    parentPort!.postMessage(reply, [body.buffer as ArrayBuffer]);
  } catch (err) {
    const e = err instanceof HubError ? err : new HubError('internal', (err as Error).message);
    parentPort!.postMessage({ id: req.id, ok: false, code: e.code, message: e.message } satisfies ListingReply);
  }
});
