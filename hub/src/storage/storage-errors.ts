import { ConflictError, HubError } from '../errors';
import type { Repository } from './repository';

export type ConstraintKind = 'unique' | 'foreign_key' | 'not_null' | 'check';

/**
 * A write refused by the schema (a duplicate key, a reference to a row that does not exist, ...).
 * Both engines throw this one error, so callers never look at SQLite or PostgreSQL codes.
 */
export class ConstraintError extends ConflictError {
  constructor(
    readonly constraint: ConstraintKind,
    message: string,
  ) {
    super(message, constraint);
  }
}

// What a client is told: the kind of clash, never the engine's words (table, column, code).
const REFUSED: Record<ConstraintKind, string> = {
  unique: 'already stored: a record with this id exists',
  foreign_key: 'refers to a record that does not exist',
  not_null: 'a required value is missing',
  check: 'a value is out of the allowed range',
};

// better-sqlite3 codes: https://www.sqlite.org/rescode.html#constraint
const SQLITE: Record<string, ConstraintKind> = {
  SQLITE_CONSTRAINT_UNIQUE: 'unique',
  SQLITE_CONSTRAINT_PRIMARYKEY: 'unique',
  SQLITE_CONSTRAINT_FOREIGNKEY: 'foreign_key',
  SQLITE_CONSTRAINT_NOTNULL: 'not_null',
  SQLITE_CONSTRAINT_CHECK: 'check',
};

// PostgreSQL SQLSTATE class 23, integrity constraint violation (Appendix A of its manual).
const POSTGRES: Record<string, ConstraintKind> = {
  '23505': 'unique',
  '23503': 'foreign_key',
  '23502': 'not_null',
  '23514': 'check',
};

// The server went away under a query: shut down (57P01-57P03), refused or dropped the connection.
const POSTGRES_GONE = new Set(['57P01', '57P02', '57P03', '08000', '08003', '08006', 'ECONNREFUSED', 'ECONNRESET']);

/** The domain error for an engine's error; anything else is returned as it was. */
export function storageError(err: unknown): unknown {
  if (err instanceof HubError) return err;
  const e = err as { code?: unknown; message?: unknown };
  const code = typeof e?.code === 'string' ? e.code : '';
  const kind = SQLITE[code] ?? POSTGRES[code];
  if (kind) return new ConstraintError(kind, REFUSED[kind]);
  const message = typeof e?.message === 'string' ? e.message : '';
  // node-postgres reports a dropped connection, or none free in time, by message only, without a code.
  if (
    POSTGRES_GONE.has(code) ||
    /Connection terminated|timeout exceeded when trying to connect|Client has encountered/i.test(message)
  ) {
    return new HubError('unavailable', 'storage is unavailable; nothing was stored');
  }
  return err;
}

/** Every Repository method, listed once so that the compiler notices a new one. */
const METHODS = {
  upsertScheme: 1,
  getScheme: 1,
  listSchemes: 1,
  upsertUser: 1,
  getUser: 1,
  listUsers: 1,
  removeUsers: 1,
  upsertDevice: 1,
  upsertDevices: 1,
  getDevice: 1,
  listDevices: 1,
  listAllDevices: 1,
  disableDevices: 1,
  revokedDeviceIds: 1,
  provisioningGeneration: 1,
  bumpProvisioningGeneration: 1,
  touchDevice: 1,
  createSession: 1,
  getSession: 1,
  deleteSession: 1,
  createAlert: 1,
  updateAlert: 1,
  updateAlertIfDue: 1,
  findAlertByClientRef: 1,
  getAlert: 1,
  listAlerts: 1,
  pageAlerts: 1,
  timelines: 1,
  dueEscalations: 1,
  nextEscalationAt: 1,
  recordReceipt: 1,
  recordVisibleReceipt: 1,
  deliveries: 1,
  latestEventSeq: 1,
  unconfirmedEvents: 1,
  maxSeq: 1,
  upsertCamera: 1,
  listCameras: 1,
  openConnection: 1,
  closeConnection: 1,
  clearNodeConnections: 1,
  connectionCount: 1,
} satisfies Record<Exclude<keyof Repository, 'close'>, 1>;

/**
 * Makes every async method of `repo` reject with domain errors (see `storageError`), in one
 * place rather than a try/catch in each method. Called from a repository's constructor.
 */
export function withDomainErrors(repo: Repository): void {
  const target = repo as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  for (const name of Object.keys(METHODS)) {
    const method = target[name]!;
    target[name] = (...args) =>
      method.apply(repo, args).catch((err) => {
        throw storageError(err);
      });
  }
}
