import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logger } from '../../src/log';
import { MIGRATIONS } from '../../src/storage/migrations';
import { EVENT_ORDER_LOCK } from '../../src/storage/postgres/group-commit';
import { PG_MIGRATIONS } from '../../src/storage/postgres/migrations';
import { openPostgres } from '../../src/storage/postgres/pool';
import { PostgresRepository } from '../../src/storage/postgres/postgres-repository';
import { type TestPostgres, startPostgres } from '../support/postgres';
import { repositoryContract } from './repository-contract';
import { SCHEME, newAlert, raise, raised, render } from './repository-fixtures';

const quiet = logger('test').child({}, { level: 'error' });
let server: TestPostgres;
let databases = 0;

beforeAll(async () => {
  server = await startPostgres();
});
afterAll(async () => {
  await server?.stop();
});

async function freshRepository(on = server) {
  const url = await on.createDatabase(`contract_${++databases}`);
  const open = async () => new PostgresRepository(await openPostgres(url, quiet));
  return { url, repo: await open(), reopen: open };
}

// The same contract as SQLite, each test on a new database of one PostgreSQL 15 server.
repositoryContract('PostgreSQL', () => freshRepository());

describe('PostgreSQL repository', () => {
  // A server of its own for the restarts: a shutdown checkpoint of the contract's twenty-odd
  // databases would take many seconds on a busy machine.
  let own: TestPostgres;
  beforeAll(async () => {
    own = await startPostgres();
  });
  afterAll(async () => {
    await own?.stop();
  });

  it('has the same migration versions and names as SQLite, so both engines share one version list', () => {
    const list = (ms: { version: number; name: string }[]) => ms.map((m) => `${m.version} ${m.name}`);
    expect(list(PG_MIGRATIONS)).toEqual(list(MIGRATIONS));
  });

  it('fails a raise in flight when the server restarts, stores nothing of it, and raises again after', async () => {
    const { url, repo } = await freshRepository(own);
    try {
      await repo.upsertScheme(SCHEME);
      // Another session holds the alerts table, so the raise is provably mid-transaction
      // (waiting inside BEGIN … COMMIT) when the server goes down.
      const blocker = new pg.Client(url);
      blocker.on('error', () => {}); // its connection dies with the server too
      await blocker.connect();
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE alerts IN ACCESS EXCLUSIVE MODE');
      const a = newAlert('in-flight');
      let settled = false;
      const inFlight = repo.createAlert(a, raised(a), render).finally(() => {
        settled = true;
      });
      await waitUntil(async () => (await lockWaiters(url)) > 0);
      expect(settled).toBe(false);
      await own.restart('fast');
      await expect(inFlight).rejects.toMatchObject({ code: 'unavailable' });
      await blocker.end().catch(() => {});
      // The pool drops the dead connections and opens new ones: nothing to restart in the hub.
      expect(await repo.getAlert('in-flight')).toBeNull();
      const after = await raise(repo, 'after-restart');
      expect(after.timeline).toHaveLength(1);
      expect(await repo.getAlert('after-restart')).toEqual(after);
    } finally {
      await repo.close();
    }
  });

  it('refuses raises while the server is down, as unavailable, and stores them only once it is back', async () => {
    const { repo } = await freshRepository(own);
    try {
      await repo.upsertScheme(SCHEME);
      await raise(repo, 'before');
      await own.restart('fast', async () => {
        await expect(raise(repo, 'during')).rejects.toMatchObject({ code: 'unavailable' });
        await expect(repo.getAlert('before')).rejects.toMatchObject({ code: 'unavailable' });
      });
      expect(await repo.getAlert('during')).toBeNull();
      await raise(repo, 'during'); // the sender's retry, now stored
      expect((await repo.listAlerts({ scheme: 'town', limit: 10 })).map((a) => a.id)).toEqual(['during', 'before']);
    } finally {
      await repo.close();
    }
  });

  it('keeps every acknowledged raise through a crash of the server (immediate stop, WAL replay)', async () => {
    const { repo, reopen } = await freshRepository(own);
    await repo.upsertScheme(SCHEME);
    const acknowledged = await Promise.all(Array.from({ length: 20 }, (_, i) => raise(repo, `crash-${i}`)));
    await own.restart('immediate');
    await repo.close();
    const again = await reopen();
    try {
      const stored = await again.listAlerts({ scheme: 'town', limit: 100 });
      expect(stored.map((a) => a.id).sort()).toEqual(acknowledged.map((a) => a.id).sort());
    } finally {
      await again.close();
    }
  });

  it('gives the events of two replicas raising at once distinct seqs, all caught up in seq order', async () => {
    const { repo, reopen } = await freshRepository();
    const other = await reopen(); // a second pool: another hub replica on the same database
    try {
      await repo.upsertScheme(SCHEME);
      await Promise.all(
        Array.from({ length: 40 }, (_, i) => raise(i % 2 ? repo : other, `r-${i}`, { clientRef: `c-${i}` })),
      );
      const device = { id: 'r9', scheme: 'town', sinceSeq: 0 } as Parameters<typeof repo.unconfirmedEvents>[0];
      const seqs = (await repo.unconfirmedEvents(device, ['north'], '2000-01-01')).map((e) => e.seq);
      expect(seqs).toHaveLength(40);
      expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
      expect(new Set(seqs).size).toBe(40);
    } finally {
      await other.close();
      await repo.close();
    }
  });
  it('holds back a raise while another replica has an event numbered but not committed', async () => {
    const { url, repo } = await freshRepository();
    const other = new pg.Client(url); // replica B, mid-transaction, as PostgresRepository writes
    await other.connect();
    try {
      await repo.upsertScheme(SCHEME);
      await raise(repo, 'first');
      await other.query('BEGIN');
      await other.query('SELECT pg_advisory_xact_lock($1)', [EVENT_ORDER_LOCK]);
      await other.query(`INSERT INTO alerts (id, scheme, zone, type, severity, client_ref, raised_by_kind,
        raised_by_id, raised_at, status) VALUES ('on-b', 'town', 'north', 'other', 'low', 'b1', 'device', 'rb',
        '2026-11-30T10:00:00Z', 'open')`);
      const b = await other.query(`INSERT INTO alert_events (alert_id, scheme, zone, scope, kind, at, actor_kind,
        actor_id, payload) VALUES ('on-b', 'town', 'north', 'zone', 'raised', '2026-11-30T10:00:00Z', 'device',
        'rb', '{}') RETURNING seq`);
      let aSeq = 0;
      const onA = raise(repo, 'on-a').then((a) => (aSeq = a.timeline[0]!.seq));
      await waitUntil(async () => (await advisoryWaiters(url)) > 0);
      // A's event would be numbered after B's: committing it first would let a catch-up that
      // read it skip B's for good. It waits instead.
      expect(aSeq).toBe(0);
      await other.query('COMMIT');
      await onA;
      expect(aSeq).toBeGreaterThan(Number(b.rows[0].seq));
    } finally {
      await other.end();
      await repo.close();
    }
  });
});

async function advisoryWaiters(url: string): Promise<number> {
  const c = new pg.Client(url);
  await c.connect();
  try {
    const r = await c.query("SELECT count(*)::int AS n FROM pg_locks WHERE NOT granted AND locktype = 'advisory'");
    return r.rows[0].n;
  } finally {
    await c.end();
  }
}

async function lockWaiters(url: string): Promise<number> {
  const c = new pg.Client(url);
  await c.connect();
  try {
    const r = await c.query("SELECT count(*)::int AS n FROM pg_locks WHERE NOT granted AND locktype = 'relation'");
    return r.rows[0].n;
  } finally {
    await c.end();
  }
}

async function waitUntil(check: () => Promise<boolean>, ms = 10_000) {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}
