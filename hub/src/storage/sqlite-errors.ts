import { storageError } from './storage-errors';

/**
 * better-sqlite3 reports constraint failures as SqliteError with a `code` such as
 * SQLITE_CONSTRAINT_UNIQUE. Those codes stay inside storage/: callers see domain errors
 * (errors.ts), the same ones a PostgreSQL implementation throws for its unique_violation.
 */
/** The domain error for a SQLite error, or the error itself when it has no domain meaning. */
export function domainError(err: unknown): unknown {
  // One mapping for both engines (storage-errors.ts): a unique clash is a ConstraintError,
  // which is a ConflictError (409) to every caller.
  return storageError(err);
}

/** Runs a synchronous SQLite call and rethrows its errors as domain errors. */
export function mapped<T>(work: () => T): T {
  try {
    return work();
  } catch (err) {
    throw domainError(err);
  }
}
