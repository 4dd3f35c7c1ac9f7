import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { GroupCommit } from '../../src/storage/group-commit';

// The writes of one turn of the event loop share one transaction, each in its own savepoint.
describe('group commit on a real SQLite file', () => {
  let dir: string;
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  function open() {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shopwatch-group-commit-'));
    const file = path.join(dir, 'hub.db');
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE t (id TEXT PRIMARY KEY, n INTEGER NOT NULL)');
    // Another connection, as another process reading the file would see it.
    const reader = new Database(file, { readonly: true });
    return { db, reader, count: () => (reader.prepare('SELECT COUNT(*) AS c FROM t').get() as { c: number }).c };
  }

  it('answers each write after the shared COMMIT; a failing one undoes only itself', async () => {
    const { db, reader, count } = open();
    const g = new GroupCommit(db);
    const insert = db.prepare('INSERT INTO t (id, n) VALUES (?, ?)');
    const seen: number[] = [];
    const writes = [
      g.run(() => insert.run('a', 1).changes),
      g.run(() => {
        insert.run('b', 2); // written, then undone with the rest of this write
        insert.run('a', 3); // the same key: this write fails
      }),
      g.run(() => {
        // A write with a transaction of its own nests as one more savepoint.
        db.transaction(() => insert.run('c', 4))();
        return 'c';
      }),
    ].map((p) => p.then((v) => (seen.push(count()), v)));
    expect(count()).toBe(0); // nothing is written before the turn ends
    const results = await Promise.allSettled(writes);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[0] as PromiseFulfilledResult<number>).value).toBe(1);
    expect((results[2] as PromiseFulfilledResult<string>).value).toBe('c');
    // Every caller was answered with both good writes already committed, visible to another reader.
    expect(seen).toEqual([2, 2]);
    const rows = reader.prepare('SELECT id, n FROM t ORDER BY id').all();
    expect(rows).toEqual([
      { id: 'a', n: 1 },
      { id: 'c', n: 4 },
    ]);
    // The next turn's writes make a transaction of their own, through the same wrappers.
    await g.run(() => insert.run('d', 5));
    expect(count()).toBe(3);
    reader.close();
    db.close();
  });

  it('refuses every write of the turn when the COMMIT itself fails, and none is stored', async () => {
    const { db, reader, count } = open();
    const g = new GroupCommit(db);
    const insert = db.prepare('INSERT INTO t (id, n) VALUES (?, ?)');
    // A deferred foreign key fails only at COMMIT.
    db.exec('CREATE TABLE parent (id TEXT PRIMARY KEY)');
    db.exec('CREATE TABLE child (id TEXT, parent TEXT REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED)');
    db.pragma('foreign_keys = ON');
    const orphan = db.prepare('INSERT INTO child (id, parent) VALUES (?, ?)');
    const results = await Promise.allSettled([g.run(() => insert.run('a', 1)), g.run(() => orphan.run('x', 'nobody'))]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(count()).toBe(0);
    reader.close();
    db.close();
  });
});
