import { Worker } from 'node:worker_threads';
import type { Logger } from '../log';
import type { Db } from './sqlite';

/**
 * SQLite's default checkpoint runs inside the commit that takes the WAL past 1,000 pages: at 100
 * raises a second (about five pages each) one commit in every two seconds also copied 4 MB into
 * the database file and fsynced it, and every raise waiting on that commit got its PUBACK late —
 * the tail of issue 18's PUBACK figures. Here a thread with its own connection checkpoints every
 * 200 ms instead (PASSIVE: it never waits for readers or the writer, and the writer never waits
 * for it), so each copy is small and none is on the raise path. Commits stay fsynced before they
 * are acknowledged (synchronous=FULL on the writer); checkpoints only move frames into the file.
 */
const EVERY_MS = 200;

/** The writer's own checkpoint, kept as a bound on the WAL should the thread fall behind or stop. */
const WRITER_FALLBACK_PAGES = 10_000;
/** SQLite's default, restored when the thread cannot run. */
const SQLITE_DEFAULT_PAGES = 1000;

export interface Checkpoints {
  stop(): Promise<void>;
}

/** Starts checkpointing `db` (the hub's writer connection) off its thread. */
export function checkpointInBackground(db: Db, log: Logger): Checkpoints {
  if (db.memory || db.readonly) return { stop: async () => {} };
  let worker: Worker | null = new Worker(new URL('./sqlite-checkpoint-worker.mjs', import.meta.url), {
    workerData: { file: db.name, everyMs: EVERY_MS },
    // Plain JavaScript: without the hub's TypeScript loader the thread starts in a fraction of the time.
    execArgv: [],
  });
  db.pragma(`wal_autocheckpoint = ${WRITER_FALLBACK_PAGES}`);
  let warned = false;
  worker.on('message', (m: { failed?: string }) => {
    if (m.failed && !warned) (warned = true), log.warn({ reason: m.failed }, 'a WAL checkpoint failed; retrying');
  });
  worker.on('error', (err) => {
    log.error({ err }, 'WAL checkpoint thread failed; the writer checkpoints itself again');
    worker = null;
    if (db.open) db.pragma(`wal_autocheckpoint = ${SQLITE_DEFAULT_PAGES}`);
  });
  // A command that forgets to close its storage still exits.
  worker.unref();
  return {
    stop: async () => {
      const w = worker;
      worker = null;
      await w?.terminate();
    },
  };
}
