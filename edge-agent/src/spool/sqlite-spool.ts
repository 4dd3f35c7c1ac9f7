import BetterSqlite3, { type Database } from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { copyFileDurable, fsyncDir, writeFileDurable } from '../durable-fs';
import { sha256, sha256File } from '../evidence/hash';
import { createLogger, type Logger } from '../log';
import { applyEviction, nextEviction } from './eviction';
import { recoverSpool } from './recovery';
import {
  FILE_NAME,
  KEPT,
  SpoolError,
  type RefusedFile,
  type Spool,
  type SpoolFileInput,
  type SpoolItem,
  type SpoolItemInput,
  type SpoolStatus,
  type SpoolUsage,
} from './types';
import { Waiters } from './waiters';

export interface SqliteSpoolOptions {
  /** Holds `spool.db` and `files/`. */
  dir: string;
  quotaBytes: number;
  /** Level `warning` above this fraction of the quota (default 0.8). */
  warnRatio?: number;
  /** Called when the level changes (`ok` ⇄ `warning`). */
  onStatus?: (status: SpoolStatus) => void;
  now?: () => number;
  log?: Logger;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS items (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL,
  payload TEXT NOT NULL,
  payload_bytes INTEGER NOT NULL,
  dir TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  delivered_at INTEGER
);
CREATE INDEX IF NOT EXISTS items_undelivered ON items(seq) WHERE delivered_at IS NULL;
CREATE TABLE IF NOT EXISTS files (
  item_seq INTEGER NOT NULL REFERENCES items(seq),
  name TEXT NOT NULL,
  rel_path TEXT NOT NULL,
  bytes INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  uploaded_at INTEGER,
  evicted_at INTEGER,
  PRIMARY KEY (item_seq, name)
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT OR IGNORE INTO meta VALUES ('evicted_files', 0), ('evicted_items', 0);
`;

interface ItemRow {
  seq: number;
  id: string;
  kind: string;
  payload: string;
  created_at: number;
  delivered_at: number | null;
}
interface FileRow {
  name: string;
  rel_path: string;
  bytes: number;
  sha256: string;
  uploaded_at: number | null;
  evicted_at: number | null;
  refused_at: number | null;
  refused_reason: string | null;
  purged_at: number | null;
}

/** Columns added after the first release: spools written by older agents gain them on open. */
const ADDED_FILE_COLUMNS = { refused_at: 'INTEGER', refused_reason: 'TEXT', purged_at: 'INTEGER' };

/**
 * The durable spool: SQLite (WAL, `synchronous=FULL`) for the queue, plain files for media.
 * A file is written, fsynced and renamed into place (and its directory fsynced) before the row
 * that names it commits, so after a crash or SIGKILL every committed item has all its files;
 * files without a committed row are removed on open. Delivery is in `seq` order, each item until
 * the hub acknowledges it, never after. Quota: see {@link nextEviction}.
 *
 * @example
 * const spool = new SqliteSpool({ dir: '/var/lib/shopwatch/spool', quotaBytes: 2e9 });
 * await spool.enqueue({ id: candidateId, kind: 'candidate', payload }, [
 *   { name: 'clip.mp4', path: clip.file, sha256: clip.sha256 },
 * ]);
 * const item = await spool.next(); await uplink.send(item); spool.markDelivered(item.id);
 */
export class SqliteSpool<T = unknown> implements Spool<T> {
  private readonly db: Database;
  private readonly filesDir: string;
  private readonly waiters = new Waiters();
  private readonly now: () => number;
  private readonly log: Logger;
  private lastLevel: SpoolStatus['level'] | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(private readonly opts: SqliteSpoolOptions) {
    this.now = opts.now ?? Date.now;
    this.log = opts.log ?? createLogger('agent:spool');
    this.filesDir = join(opts.dir, 'files');
    mkdirSync(this.filesDir, { recursive: true });
    this.db = new BetterSqlite3(join(opts.dir, 'spool.db'));
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.exec(SCHEMA);
    const columns = this.db.prepare('PRAGMA table_info(files)').all() as Array<{ name: string }>;
    const have = new Set(columns.map((c) => c.name));
    for (const [col, type] of Object.entries(ADDED_FILE_COLUMNS)) {
      if (!have.has(col)) this.db.exec(`ALTER TABLE files ADD COLUMN ${col} ${type}`);
    }
    recoverSpool(this.db, this.filesDir, this.log);
    this.evictOverQuota();
    this.reportLevel();
  }

  enqueue(item: SpoolItemInput<T>, files: SpoolFileInput[] = []): Promise<SpoolItem<T>> {
    // One enqueue at a time: the same id twice must not write the same folder concurrently.
    const run = this.chain.then(() => this.enqueueNow(item, files));
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async enqueueNow(item: SpoolItemInput<T>, files: SpoolFileInput[]): Promise<SpoolItem<T>> {
    if (this.closed) throw new SpoolError('closed', 'spool is closed');
    const existing = this.get(item.id);
    if (existing) return existing;
    const names = new Set<string>();
    for (const f of files) {
      if (!FILE_NAME.test(f.name) || names.has(f.name))
        throw new SpoolError('bad_file_name', `bad or duplicate file name "${f.name}"`);
      if (!f.path === !f.data) throw new SpoolError('bad_file', `file "${f.name}" needs exactly one of path or data`);
      names.add(f.name);
    }
    const payload = JSON.stringify(item.payload);
    const dir = createHash('sha256').update(item.id).digest('hex').slice(0, 32);
    const abs = join(this.filesDir, dir);
    rmSync(abs, { recursive: true, force: true }); // leftovers of a crashed attempt
    mkdirSync(abs);
    fsyncDir(this.filesDir);
    const stored: Array<{ name: string; rel: string; bytes: number; sha256: string }> = [];
    try {
      for (const f of files) {
        const target = join(abs, f.name);
        let hash: string;
        if (f.data) {
          writeFileDurable(target, f.data);
          hash = sha256(f.data);
        } else {
          copyFileDurable(f.path!, target);
          hash = await sha256File(target);
        }
        if (f.sha256 && f.sha256 !== hash)
          throw new SpoolError('hash_mismatch', `file "${f.name}" has SHA-256 ${hash}, expected ${f.sha256}`);
        stored.push({ name: f.name, rel: join(dir, f.name), bytes: statSync(target).size, sha256: hash });
      }
      // Only now, with every file on disk, does the item exist.
      this.db.transaction(() => {
        const { lastInsertRowid } = this.db
          .prepare('INSERT INTO items (id, kind, payload, payload_bytes, dir, created_at) VALUES (?, ?, ?, ?, ?, ?)')
          .run(item.id, item.kind, payload, Buffer.byteLength(payload), dir, this.now());
        const insert = this.db.prepare(
          'INSERT INTO files (item_seq, name, rel_path, bytes, sha256) VALUES (?, ?, ?, ?, ?)',
        );
        for (const s of stored) insert.run(lastInsertRowid, s.name, s.rel, s.bytes, s.sha256);
      })();
    } catch (err) {
      rmSync(abs, { recursive: true, force: true });
      throw err;
    }
    this.evictOverQuota();
    this.reportLevel();
    this.waiters.wake();
    return this.get(item.id)!;
  }

  peek(): SpoolItem<T> | undefined {
    const row = this.db.prepare('SELECT * FROM items WHERE delivered_at IS NULL ORDER BY seq LIMIT 1').get() as
      | ItemRow
      | undefined;
    return row && this.toItem(row);
  }

  async next(signal?: AbortSignal): Promise<SpoolItem<T>> {
    for (;;) {
      if (this.closed) throw new SpoolError('closed', 'spool is closed');
      const head = this.peek();
      if (head) return head;
      await this.waiters.wait(signal);
    }
  }

  get(id: string): SpoolItem<T> | undefined {
    const row = this.db.prepare('SELECT * FROM items WHERE id = ?').get(id) as ItemRow | undefined;
    return row && this.toItem(row);
  }

  markDelivered(id: string): boolean {
    const changed =
      this.db.prepare('UPDATE items SET delivered_at = ? WHERE id = ? AND delivered_at IS NULL').run(this.now(), id)
        .changes > 0;
    if (changed) this.reportLevel();
    return changed;
  }

  markFileUploaded(id: string, name: string): boolean {
    return (
      this.db
        .prepare(
          'UPDATE files SET uploaded_at = ? WHERE uploaded_at IS NULL AND name = ? AND item_seq = (SELECT ' +
            'seq FROM items WHERE id = ?)',
        )
        .run(this.now(), name, id).changes > 0
    );
  }

  markFileRefused(id: string, name: string, reason: string, opts: { purge?: boolean } = {}): boolean {
    const item = this.get(id);
    const file = item?.files.find((f) => f.name === name);
    if (!item || !file) return false;
    this.db
      .prepare('UPDATE files SET refused_at = ?, refused_reason = ? WHERE name = ? AND item_seq = ?')
      .run(this.now(), reason.slice(0, 500), name, item.seq);
    if (opts.purge) this.purgeFiles(id, reason);
    this.log.warn({ itemId: id, file: name, reason, purged: !!opts.purge }, 'the hub refused a file');
    return true;
  }

  purgeFiles(id: string, reason: string): number {
    const item = this.get(id);
    if (!item) return 0;
    const kept = item.files.filter((f) => f.path !== null);
    // The rows first (a crash before the unlink leaves orphans, which recovery removes).
    this.db.transaction(() => {
      const mark = this.db.prepare('UPDATE files SET purged_at = ? WHERE name = ? AND item_seq = ?');
      for (const f of kept) mark.run(this.now(), f.name, item.seq);
    })();
    for (const f of kept) rmSync(f.path!, { force: true });
    if (kept.length) this.log.info({ itemId: id, files: kept.length, reason }, "purged media at the hub's word");
    this.reportLevel();
    return kept.length;
  }

  refused(limit = 50): RefusedFile[] {
    const rows = this.db
      .prepare(
        `SELECT i.id AS itemId, f.name, f.refused_reason AS reason, f.refused_at AS refusedAt, f.purged_at AS purgedAt
           FROM files f JOIN items i ON i.seq = f.item_seq
          WHERE f.refused_at IS NOT NULL ORDER BY f.refused_at DESC LIMIT ?`,
      )
      .all(limit) as Array<Omit<RefusedFile, 'purged'> & { purgedAt: number | null }>;
    return rows.map(({ purgedAt, ...r }) => ({ ...r, purged: purgedAt !== null }));
  }

  usage(): SpoolUsage {
    const q = (sql: string) => (this.db.prepare(sql).pluck().get() as number | null) ?? 0;
    const bytes = q('SELECT SUM(payload_bytes) FROM items') + q(`SELECT SUM(bytes) FROM files WHERE ${KEPT}`);
    const ratio = bytes / this.opts.quotaBytes;
    return {
      bytes,
      quotaBytes: this.opts.quotaBytes,
      ratio,
      items: q('SELECT COUNT(*) FROM items'),
      undelivered: q('SELECT COUNT(*) FROM items WHERE delivered_at IS NULL'),
      level: ratio > (this.opts.warnRatio ?? 0.8) ? 'warning' : 'ok',
      evictedFiles: q(`SELECT value FROM meta WHERE key = 'evicted_files'`),
      evictedItems: q(`SELECT value FROM meta WHERE key = 'evicted_items'`),
      refusedFiles: q('SELECT COUNT(*) FROM files WHERE refused_at IS NOT NULL'),
    };
  }

  /** The SQLite settings that make a commit durable (for tests and diagnostics). */
  durability(): { journalMode: string; synchronous: number } {
    return {
      journalMode: this.db.pragma('journal_mode', { simple: true }) as string,
      synchronous: this.db.pragma('synchronous', { simple: true }) as number, // 2 = FULL
    };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.waiters.wake();
    this.db.close();
  }

  private toItem(row: ItemRow): SpoolItem<T> {
    const files = this.db.prepare('SELECT * FROM files WHERE item_seq = ? ORDER BY name').all(row.seq) as FileRow[];
    return {
      seq: row.seq,
      id: row.id,
      kind: row.kind,
      payload: JSON.parse(row.payload) as T,
      createdAt: row.created_at,
      deliveredAt: row.delivered_at,
      files: files.map((f) => ({
        name: f.name,
        path: f.evicted_at === null && f.purged_at === null ? join(this.filesDir, f.rel_path) : null,
        bytes: f.bytes,
        sha256: f.sha256,
        uploadedAt: f.uploaded_at,
        evictedAt: f.evicted_at,
        refusedAt: f.refused_at,
        refusedReason: f.refused_reason,
        purgedAt: f.purged_at,
      })),
    };
  }

  private evictOverQuota(): void {
    while (this.usage().bytes > this.opts.quotaBytes) {
      const e = nextEviction(this.db);
      if (!e) break;
      const paths = this.db.transaction(() => applyEviction(this.db, e, this.now()))();
      for (const p of paths) rmSync(join(this.filesDir, p), { recursive: true, force: true });
      const log = e.step === 4 ? this.log.error.bind(this.log) : this.log.warn.bind(this.log);
      log({ step: e.step, itemSeq: e.itemSeq, bytes: e.bytes }, 'spool over quota: evicted');
    }
  }

  private reportLevel(): void {
    const usage = this.usage();
    if (usage.level === this.lastLevel) return;
    this.lastLevel = usage.level;
    if (usage.level === 'warning') this.log.warn({ ratio: usage.ratio }, 'spool above warning level');
    this.opts.onStatus?.({ level: usage.level, usage });
  }
}
