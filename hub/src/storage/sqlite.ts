import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Logger } from '../log';
import { PRIVATE_FILE, ensurePrivateDir } from './file-modes';
import { MIGRATIONS } from './migrations';

export type Db = Database.Database;

/**
 * A row as better-sqlite3 returns it: its columns are typed by the SQL, not by TypeScript, so
 * each repository's mapper reads them by name into a domain type (which the zod schemas check
 * where it leaves the hub). The one place an untyped value is admitted.
 */
// biome-ignore lint/suspicious/noExplicitAny: better-sqlite3 rows are untyped; the mappers type them
export type SqlRow = Record<string, any>;

/**
 * Opens the hub's SQLite file. WAL lets readers run beside the writer; synchronous=FULL
 * (the default) makes every commit durable on disk before we acknowledge a message.
 */
export function openDatabase(
  dataDir: string,
  log: Logger,
  sync: 'full' | 'normal' = 'full',
  file = 'shopwatch.db',
): Db {
  ensurePrivateDir(dataDir);
  const dbFile = path.join(dataDir, file);
  // Made 0600 before SQLite opens it: SQLite gives the -wal and -shm files the database's mode.
  fs.closeSync(fs.openSync(dbFile, 'a', PRIVATE_FILE));
  fs.chmodSync(dbFile, PRIVATE_FILE);
  const db = new Database(dbFile);
  db.pragma('journal_mode = WAL');
  for (const f of [`${dbFile}-wal`, `${dbFile}-shm`]) if (fs.existsSync(f)) fs.chmodSync(f, PRIVATE_FILE);
  db.pragma(`synchronous = ${sync === 'full' ? 'FULL' : 'NORMAL'}`);
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db, log);
  return db;
}

function migrate(db: Db, log: Logger) {
  db.exec(
    'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, ' +
      'applied_at TEXT NOT NULL)',
  );
  const done = new Set(db.prepare('SELECT version FROM schema_migrations').pluck().all() as number[]);
  for (const m of MIGRATIONS) {
    if (done.has(m.version)) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
        m.version,
        m.name,
        new Date().toISOString(),
      );
    })();
    log.info({ version: m.version, name: m.name }, 'applied migration');
  }
}
