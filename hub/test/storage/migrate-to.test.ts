import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logger } from '../../src/log';
import { openPostgres } from '../../src/storage/postgres/pool';
import { PostgresRepository } from '../../src/storage/postgres/postgres-repository';
import { SqlitePushSubscriptions } from '../../src/storage/sqlite-push-subscriptions';
import { openDatabase } from '../../src/storage/sqlite';
import { SqliteRepository } from '../../src/storage/sqlite-repository';
import { type TestPostgres, startPostgres } from '../support/postgres';
import { SCHEME, device, raise, render, user } from './repository-fixtures';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const quiet = logger('test').child({}, { level: 'error' });
let server: TestPostgres;
let dataDir: string;

/** `npm run hub -- migrate-to URL` on the data folder, as an operator runs it. */
function migrateTo(url: string) {
  return spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'hub/src/main.ts'), 'migrate-to', url], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, SHOPWATCH_DATA_DIR: dataDir, SHOPWATCH_LOG_LEVEL: 'warn' },
  });
}

async function countRows(url: string, table: string): Promise<number> {
  const c = new pg.Client(url);
  await c.connect();
  try {
    return Number((await c.query(`SELECT COUNT(*) AS n FROM ${table}`)).rows[0].n);
  } finally {
    await c.end();
  }
}

const DESCRIPTOR = Buffer.from(Float32Array.from({ length: 128 }, (_, i) => Math.sin(i)).buffer);

beforeAll(async () => {
  server = await startPostgres();
  // A hub's data folder with a bit of everything: the Repository's tables through the repository,
  // tables of other modules through SQL as their modules write them.
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'shopwatch-migrate-'));
  const db = openDatabase(dataDir, quiet);
  const repo = new SqliteRepository(db);
  await repo.upsertScheme(SCHEME);
  await repo.upsertUser(user('alice', { role: 'operator', store: null }));
  await repo.createSession('tok', 'alice', '2026-11-30T10:00:00Z', '2099-01-01T00:00:00Z');
  await repo.upsertDevices([device('r1'), device('r2'), device('e1', { kind: 'edge' })]);
  await repo.disableDevices(['r2'], '2026-11-30T10:00:00Z');
  for (let i = 0; i < 30; i++)
    await raise(repo, `a${i}`, { raisedAt: `2026-11-30T10:${String(i).padStart(2, '0')}:00Z` });
  await repo.updateAlert(
    'a3',
    { status: 'closed' },
    { kind: 'closed', at: '2026-11-30T11:00:00Z', actor: { kind: 'user', id: 'alice' } },
    render,
  );
  await repo.recordReceipt('r1', 'a3', 4, '2026-11-30T11:00:01Z');
  await repo.bumpProvisioningGeneration('2026-11-30T09:00:00Z');
  db.prepare(`INSERT INTO templates (id, scheme, subject_id, photo_id, version, descriptor, expires_at, created_at)
    VALUES ('t1', 'town', 's1', NULL, 3, ?, '2027-01-01', '2026-11-30')`).run(DESCRIPTOR);
  db.prepare(`INSERT INTO candidates (id, scheme, device_id, camera_id, subject_id, template_version, score, distance,
    frames, first_seen_at, captured_at, clock_offset_ms, box, received_at, status)
    VALUES ('c1', 'town', 'e1', 'door', 's1', 3, 0.8125, 0.4321, 5, 'x', 'x', -12.5, '[1,2,3,4]', 'x',
    'pending')`).run();
  db.prepare(`INSERT INTO evidence_files (candidate_id, name, kind, sha256, bytes, received)
    VALUES ('c1', 'clip.mp4', 'clip', 'ab', 3000000000, 3000000000)`).run(); // past 2^31: a BIGINT
  for (const action of ['received', 'verified']) {
    db.prepare(
      `INSERT INTO custody (candidate_id, name, at, actor, action) VALUES ('c1', 'clip.mp4', 'x', 'hub', ?)`,
    ).run(action);
  }
  await new SqlitePushSubscriptions(db).save('alice', {
    endpoint: 'https://push.example/1',
    keys: { p256dh: 'k', auth: 'a' },
  });
  repo.close();
});

afterAll(async () => {
  await server?.stop();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('npm run hub -- migrate-to', () => {
  it('copies every table into an empty PostgreSQL database with equal row counts, data read back alike', async () => {
    const url = await server.createDatabase('migrated');
    const r = migrateTo(url);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/alert_events\s+sqlite\s+31\s+postgres\s+31/);
    expect(r.stdout).toMatch(/counts match/);
    for (const [table, rows] of Object.entries({ alerts: 30, devices: 3, custody: 2, push_subscriptions: 1 })) {
      expect(await countRows(url, table)).toBe(rows);
    }

    const db = openDatabase(dataDir, quiet);
    const before = new SqliteRepository(db);
    const after = new PostgresRepository(await openPostgres(url, quiet));
    try {
      const f = { scheme: 'town', limit: 100 };
      expect(await after.listAlerts(f)).toEqual(await before.listAlerts(f));
      expect(await after.listAllDevices()).toEqual(await before.listAllDevices());
      expect(await after.getScheme('town')).toEqual(await before.getScheme('town'));
      expect(await after.getSession('tok', '2026-12-01T00:00:00Z')).toEqual({
        username: 'alice',
        expiresAt: '2099-01-01T00:00:00Z',
      });
      const r1 = (await before.getDevice('r1'))!;
      expect(await after.unconfirmedEvents(r1, ['north'], '2000-01-01')).toEqual(
        await before.unconfirmedEvents(r1, ['north'], '2000-01-01'),
      );
      expect(await after.provisioningGeneration()).toBe(1);
      const c = new pg.Client(url);
      await c.connect();
      const t = (await c.query("SELECT descriptor FROM templates WHERE id = 't1'")).rows[0];
      const e = (await c.query('SELECT bytes, score FROM evidence_files, candidates')).rows[0];
      await c.end();
      expect(Buffer.compare(t.descriptor, DESCRIPTOR)).toBe(0);
      expect(e).toEqual({ bytes: '3000000000', score: 0.8125 });
      // Numbering continues after the copied events: the next raise does not collide.
      const next = await raise(after, 'after-migration');
      expect(next.timeline[0]!.seq).toBe((await before.maxSeq()) + 1);
    } finally {
      before.close();
      await after.close();
    }
  });

  it('refuses a database that already holds data, and changes nothing in it', async () => {
    const url = await server.createDatabase('busy');
    const repo = new PostgresRepository(await openPostgres(url, quiet));
    await repo.upsertScheme({ ...SCHEME, id: 'other', name: 'Other' });
    await repo.close();
    const r = migrateTo(url);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/not empty \(table schemes has rows\)/);
    expect(await countRows(url, 'schemes')).toBe(1);
    expect(await countRows(url, 'alerts')).toBe(0);
  });

  it('refuses a SQLite table it has no PostgreSQL table for, and copies nothing at all', async () => {
    // A module that made its own table without a PostgreSQL migration: copying the rest would
    // silently leave its rows behind.
    const own = fs.mkdtempSync(path.join(os.tmpdir(), 'shopwatch-migrate-extra-'));
    const db = openDatabase(own, quiet);
    await new SqliteRepository(db).upsertScheme(SCHEME);
    db.exec("CREATE TABLE notes (id TEXT PRIMARY KEY); INSERT INTO notes VALUES ('n1')");
    db.close();
    const url = await server.createDatabase('extra');
    const saved = dataDir;
    dataDir = own;
    try {
      const r = migrateTo(url);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/table notes has no PostgreSQL counterpart/);
      expect(await countRows(url, 'schemes')).toBe(0);
    } finally {
      dataDir = saved;
      fs.rmSync(own, { recursive: true, force: true });
    }
  });

  it('refuses something that is not a postgres:// URL', () => {
    const r = migrateTo('mysql://localhost/db');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/postgres:\/\/ URL/);
  });
});
