import pg from 'pg';
import type { Logger } from '../../log';
import { PG_MIGRATIONS, PG_SIDE_TABLES } from './migrations';

// PostgreSQL's type oid for BIGINT (int8). node-postgres returns it as a string by default, since
// it may pass 2^53; seq numbers, counts and sizes here stay far below that.
const INT8 = 20;
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

// pg_advisory_xact_lock key held while migrating, so replicas starting together migrate once.
const MIGRATION_LOCK = 0x5357_0001;

/**
 * A connection pool to the hub's PostgreSQL database, migrated to the newest schema.
 * Connections that die while idle (a server restart) are logged and replaced by the pool on the
 * next query; a query in flight on one fails, and its caller sees the error.
 */
export async function openPostgres(url: string, log: Logger, max = 10): Promise<pg.Pool> {
  const pool = connectPool(url, log, max);
  try {
    await migrate(pool, log);
  } catch (err) {
    await pool.end();
    throw err;
  }
  return pool;
}

/** A pool on a database someone has already migrated (openPostgres), e.g. a second, smaller one. */
export function connectPool(url: string, log: Logger, max: number): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max, types, connectionTimeoutMillis: 10_000 });
  // Without a listener an idle client's error (server restarted) would crash the process.
  pool.on('error', (err) => log.warn({ err: err.message }, 'idle PostgreSQL connection lost'));
  // A connection lost while checked out also emits 'error' (besides failing its query, which its
  // caller sees); unheard, that event would crash the process.
  pool.on('connect', (client) =>
    client.on('error', (err) => log.warn({ err: err.message }, 'PostgreSQL connection lost in use')),
  );
  return pool;
}

async function migrate(pool: pg.Pool, log: Logger) {
  const c = await pool.connect();
  try {
    await c.query('BEGIN');
    await c.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await c.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`);
    const done = new Set((await c.query('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
    // PostgreSQL DDL is transactional: the schema and its version rows commit together, or not at all.
    for (const m of PG_MIGRATIONS) {
      if (done.has(m.version)) continue;
      await c.query(m.sql);
      await c.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
        m.version,
        m.name,
        new Date().toISOString(),
      ]);
      log.info({ version: m.version, name: m.name }, 'applied PostgreSQL migration');
    }
    await c.query(PG_SIDE_TABLES);
    await c.query('COMMIT');
  } catch (err) {
    await c.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    c.release();
  }
}

/**
 * Runs `work` in one transaction on one connection and resolves only after COMMIT returned:
 * with fsync and synchronous_commit on (the defaults), the write is on disk when the caller hears
 * of it. A connection broken mid-transaction is destroyed rather than returned to the pool.
 */
export async function inTransaction<T>(pool: pg.Pool, work: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  const c = await pool.connect();
  let broken: Error | undefined;
  try {
    await c.query('BEGIN');
    const result = await work(c);
    await c.query('COMMIT');
    return result;
  } catch (err) {
    await c.query('ROLLBACK').catch((e: Error) => {
      broken = e;
    });
    throw err;
  } finally {
    c.release(broken);
  }
}
