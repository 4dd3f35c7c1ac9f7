// The WAL checkpointer thread (sqlite-checkpoints.ts): its own connection to the hub's database,
// copying committed WAL frames into the database file every `everyMs`. Plain JavaScript: it needs
// nothing of the hub, so the thread starts without the TypeScript loader.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const { file, everyMs } = workerData;
const db = new Database(file, { fileMustExist: true });
// FULL: the database file is fsynced before the writer may reuse the WAL from its start, so a
// power cut never loses frames that were only in the part of the WAL written over.
db.pragma('synchronous = FULL');

setInterval(() => {
  try {
    // PASSIVE: copies what no reader still needs, never waits for a reader or the writer.
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (err) {
    // Busy with the writer's own (fallback) checkpoint, or a transient I/O error: next turn.
    parentPort.postMessage({ failed: String(err?.message ?? err) });
  }
}, everyMs);
