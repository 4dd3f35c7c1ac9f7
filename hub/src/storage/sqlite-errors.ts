import { ConflictError } from '../errors';

/**
 * better-sqlite3 reports constraint failures as SqliteError with a `code` such as
 * SQLITE_CONSTRAINT_UNIQUE. Those codes stay inside storage/: callers see domain errors
 * (errors.ts), the same ones a PostgreSQL implementation throws for its unique_violation.
 */
const UNIQUE = new Set(['SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_CONSTRAINT_PRIMARYKEY']);

/** The domain error for a SQLite error, or the error itself when it has no domain meaning. */
export function domainError(err: unknown): unknown {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && UNIQUE.has(code)) {
    // The message names the columns ("UNIQUE constraint failed: alerts.id"): useful in logs.
    const detail = (err as Error).message.replace(/^UNIQUE constraint failed: /, '');
    return new ConflictError('already stored', detail);
  }
  return err;
}

/** Runs a synchronous SQLite call and rethrows its errors as domain errors. */
export function mapped<T>(work: () => T): T {
  try {
    return work();
  } catch (err) {
    throw domainError(err);
  }
}
