import type pg from 'pg';
import type { Logger } from '../../log';
import { MIGRATIONS } from '../migrations';
import type { Db } from '../sqlite';
import { inTransaction, openPostgres } from './pool';

export interface TableCount {
  table: string;
  sqlite: number;
  postgres: number;
}

/** Refused before anything was written: the target holds data, or a table has no counterpart. */
export class MigrateRefused extends Error {}

// PostgreSQL takes at most 65,535 parameters per statement.
const MAX_PARAMS = 60_000;

/**
 * Tables to copy, parents before children: in the order the migrations create them (a table's
 * foreign keys point only at tables made before it), then side tables that modules create
 * themselves (audit MACs, push subscriptions), by name.
 */
function copyOrder(sqlite: Db): string[] {
  const ddl = MIGRATIONS.map((m) => m.sql).join('\n');
  const position = (t: string) => {
    const i = ddl.search(new RegExp(`CREATE TABLE ${t}\\b`));
    return i < 0 ? Number.MAX_SAFE_INTEGER : i;
  };
  const tables = sqlite
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    .pluck()
    .all() as string[];
  return tables
    .filter((t) => t !== 'schema_migrations')
    .sort((a, b) => position(a) - position(b) || a.localeCompare(b));
}

async function pgColumns(c: pg.PoolClient, table: string): Promise<Set<string>> {
  const { rows } = await c.query(
    "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1",
    [table],
  );
  return new Set(rows.map((r) => r.column_name as string));
}

const columnsOf = (sqlite: Db, table: string) =>
  (sqlite.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((r) => r.name);

/** Every table and column has a counterpart in PostgreSQL, and every target table is empty. */
async function checkTarget(c: pg.PoolClient, sqlite: Db, tables: string[]) {
  for (const table of tables) {
    const target = await pgColumns(c, table);
    if (!target.size) throw new MigrateRefused(`table ${table} has no PostgreSQL counterpart; nothing was copied`);
    const missing = columnsOf(sqlite, table).filter((col) => !target.has(col));
    if (missing.length) throw new MigrateRefused(`${table}.${missing.join(', ')} missing in PostgreSQL`);
    const { rows } = await c.query(`SELECT EXISTS (SELECT 1 FROM ${table}) AS busy`);
    if (rows[0].busy) {
      throw new MigrateRefused(`the target database is not empty (table ${table} has rows); nothing was copied`);
    }
  }
}

async function copyTable(c: pg.PoolClient, sqlite: Db, table: string) {
  const columns = columnsOf(sqlite, table);
  const perBatch = Math.max(1, Math.min(1000, Math.floor(MAX_PARAMS / columns.length)));
  const names = columns.map((col) => `"${col}"`).join(', ');
  let batch: unknown[][] = [];
  const flush = async () => {
    if (!batch.length) return;
    const values = batch
      .map((_, r) => `(${columns.map((__, k) => `$${r * columns.length + k + 1}`).join(', ')})`)
      .join(', ');
    await c.query(`INSERT INTO ${table} (${names}) VALUES ${values}`, batch.flat());
    batch = [];
  };
  // Streamed from SQLite in rowid order, so a large table never sits in memory whole.
  for (const row of sqlite.prepare(`SELECT ${names} FROM ${table}`).raw().iterate() as Iterable<unknown[]>) {
    batch.push(row);
    if (batch.length >= perBatch) await flush();
  }
  await flush();
}

/** Identity columns continue after the copied numbers (alert seq, custody, audit, ...). */
async function advanceIdentities(c: pg.PoolClient) {
  const { rows } = await c.query(`SELECT table_name, column_name FROM information_schema.columns
    WHERE table_schema = 'public' AND is_identity = 'YES'`);
  for (const { table_name: t, column_name: col } of rows) {
    await c.query(
      `SELECT setval(pg_get_serial_sequence($1, $2), GREATEST((SELECT MAX("${col}") FROM "${t}"), 1),
        (SELECT MAX("${col}") FROM "${t}") IS NOT NULL)`,
      [t, col],
    );
  }
}

/**
 * Copies every table of the hub's SQLite database into an empty PostgreSQL database (migrated
 * first to the same schema version), in one transaction: either all of it lands or nothing does.
 * Refuses a target that already holds rows. Returns the row count of each table on both sides.
 */
export async function migrateToPostgres(sqlite: Db, url: string, log: Logger): Promise<TableCount[]> {
  const pool = await openPostgres(url, log, 2);
  // One read snapshot (WAL) for the copy and its counts, even if a hub still writes meanwhile.
  sqlite.exec('BEGIN');
  try {
    const tables = copyOrder(sqlite);
    const source = tables.map((t) => sqlite.prepare(`SELECT COUNT(*) FROM ${t}`).pluck().get() as number);
    await inTransaction(pool, async (c) => {
      await checkTarget(c, sqlite, tables);
      for (const t of tables) {
        await copyTable(c, sqlite, t);
        log.info({ table: t }, 'copied');
      }
      await advanceIdentities(c);
    });
    const out: TableCount[] = [];
    for (const [i, table] of tables.entries()) {
      const { rows } = await pool.query(`SELECT COUNT(*) AS n FROM ${table}`);
      out.push({ table, sqlite: source[i]!, postgres: rows[0].n as number });
    }
    return out;
  } finally {
    sqlite.exec('COMMIT');
    await pool.end();
  }
}
