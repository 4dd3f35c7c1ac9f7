import { domainError } from './sqlite-errors';
import type { Db } from './sqlite';

type Result = { ok: true; value: unknown } | { ok: false; error: unknown };

interface Pending {
  run: () => unknown;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

/**
 * Group commit: writes that arrive in the same turn of the event loop share one transaction,
 * so a burst of raises costs one fsync instead of one each. Each write still runs in its own
 * savepoint (a failing one does not undo the others), and every caller is answered only after
 * the shared COMMIT, so nothing is acknowledged before it is durable.
 */
export class GroupCommit {
  private queue: Pending[] = [];
  /** The shared transaction and each write's savepoint, made once: a wrapper per write cost more
   * than the savepoint itself (every radio's receipt is a write). */
  private readonly inTransaction: (batch: Pending[], results: Result[]) => void;
  private readonly inSavepoint: (work: () => unknown) => unknown;

  constructor(db: Db) {
    this.inSavepoint = db.transaction((work: () => unknown) => work());
    this.inTransaction = db.transaction((batch: Pending[], results: Result[]) => {
      for (const p of batch) {
        try {
          results.push({ ok: true, value: this.inSavepoint(p.run) }); // a savepoint
        } catch (error) {
          results.push({ ok: false, error: domainError(error) }); // engine codes stay in storage/
        }
      }
    });
  }

  run<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ run: work, resolve: resolve as (v: unknown) => void, reject });
      if (this.queue.length === 1) setImmediate(() => this.flush());
    });
  }

  private flush() {
    const batch = this.queue.splice(0);
    const results: Result[] = [];
    try {
      this.inTransaction(batch, results);
    } catch (error) {
      for (const p of batch) p.reject(error); // the COMMIT itself failed: nothing is durable
      return;
    }
    batch.forEach((p, i) => {
      const r = results[i]!;
      if (r.ok) p.resolve(r.value);
      else p.reject(r.error);
    });
  }
}

const perDatabase = new WeakMap<Db, GroupCommit>();

/** The one group commit of a database, shared by every repository on it (one fsync per turn). */
export function groupCommitFor(db: Db): GroupCommit {
  let g = perDatabase.get(db);
  if (!g) perDatabase.set(db, (g = new GroupCommit(db)));
  return g;
}
