import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertService } from '../../src/alerts/service';
import { devicePrincipal } from '../../src/auth/principal';
import { InProcessEventBus } from '../../src/bus';
import { Directory } from '../../src/directory';
import { logger } from '../../src/log';
import { openPostgres } from '../../src/storage/postgres/pool';
import { PostgresRepository } from '../../src/storage/postgres/postgres-repository';
import { type TestPostgres, startPostgres } from '../support/postgres';
import { SCHEME, device, raise } from './repository-fixtures';

const quiet = logger('test').child({}, { level: 'error' });
const AT = '2026-11-30T10:05:00.000Z';
let server: TestPostgres;
let databases = 0;

beforeAll(async () => {
  server = await startPostgres();
});
afterAll(async () => {
  await server?.stop();
});

async function fresh() {
  const url = await server.createDatabase(`receipts_${++databases}`);
  const repo = new PostgresRepository(await openPostgres(url, quiet));
  await repo.upsertScheme(SCHEME);
  return { url, repo };
}

async function query<T = number>(url: string, sql: string): Promise<T> {
  const c = new pg.Client(url);
  await c.connect();
  try {
    return Object.values((await c.query(sql)).rows[0])[0] as T;
  } finally {
    await c.end();
  }
}

// The next transaction id to be handed out. Only writing transactions take one, so its growth
// counts the COMMITs of writes; reading it takes none.
const nextXid = (url: string) =>
  query<string>(url, 'SELECT pg_snapshot_xmax(pg_current_snapshot())::text').then(Number);

async function waitUntil(check: () => Promise<boolean>, ms = 10_000) {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('receipts on PostgreSQL', () => {
  it('commits a fleet confirming a burst in a handful of transactions, not one (or four) a receipt', async () => {
    const { url, repo } = await fresh();
    try {
      const radios = Array.from({ length: 100 }, (_, i) => device(`r${i}`));
      await repo.upsertDevices(radios);
      const alertIds = Array.from({ length: 20 }, (_, i) => `burst-${i}`);
      for (const id of alertIds) await raise(repo, id);
      const alerts = new AlertService(repo, new Directory(repo), new InProcessEventBus(quiet), quiet);
      const principals = await Promise.all(
        radios.map(async (r) => devicePrincipal((await repo.getDevice(r.id))!, (await repo.getScheme('town'))!)),
      );
      const before = await nextXid(url);
      // 2,000 receipts at once, as 100 radios confirm 20 alerts; seq null: all sent so far
      const outcomes = await Promise.all(principals.flatMap((p) => alertIds.map((id) => alerts.receipt(p, id, null))));
      const transactions = (await nextXid(url)) - before;
      expect(outcomes.every((advanced) => advanced)).toBe(true);
      const stored = await repo.deliveries(alertIds);
      expect(alertIds.map((id) => stored.get(id)?.length)).toEqual(alertIds.map(() => 100));
      // One statement a batch of up to 500: at least 4. One write each would be 2,000 or more.
      expect(transactions).toBeGreaterThanOrEqual(4);
      expect(transactions).toBeLessThan(40);
    } finally {
      await repo.close();
    }
  });

  it('refuses the one receipt that fails its batch and takes the others', async () => {
    const { repo } = await fresh();
    try {
      await raise(repo, 'a1');
      const radio = { deviceId: 'r1', scheme: 'town', zones: ['north'] };
      // A NUL cannot be stored in PostgreSQL text: it fails the whole statement of its batch.
      const [bad, good, other] = await Promise.allSettled([
        repo.recordVisibleReceipt(radio, 'a\u0000', null, AT),
        repo.recordVisibleReceipt(radio, 'a1', null, AT),
        repo.recordVisibleReceipt({ ...radio, deviceId: 'r2' }, 'a1', null, AT),
      ]);
      expect(bad.status).toBe('rejected');
      expect(good).toMatchObject({ status: 'fulfilled', value: { advanced: true } });
      expect(other).toMatchObject({ status: 'fulfilled', value: { advanced: true } });
      expect((await repo.deliveries(['a1'])).get('a1')?.map((d) => d.deviceId)).toEqual(['r1', 'r2']);
    } finally {
      await repo.close();
    }
  });

  it('answers a batch only once it is committed, and refuses it whole when the server goes down', async () => {
    const { url, repo } = await fresh();
    try {
      await raise(repo, 'a1');
      const radio = { deviceId: 'r1', scheme: 'town', zones: ['north'] };
      // Another session holds the receipts table: the batch is provably waiting inside its statement.
      const blocker = new pg.Client(url);
      blocker.on('error', () => {});
      await blocker.connect();
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE receipts IN ACCESS EXCLUSIVE MODE');
      let settled = 0;
      const inFlight = ['r1', 'r2', 'r3'].map((id) =>
        repo.recordVisibleReceipt({ ...radio, deviceId: id }, 'a1', null, AT).finally(() => settled++),
      );
      await waitUntil(
        async () =>
          (await query(url, "SELECT count(*)::int FROM pg_locks WHERE NOT granted AND locktype = 'relation'")) > 0,
      );
      expect(settled).toBe(0);
      await server.restart('fast');
      // The batch's statement dies with the server: none of it is stored. A receipt is either
      // refused as unavailable (the device retries) or, when the server is back before its own
      // retry, answered once stored: never answered without being stored, never stored and refused.
      const outcomes = await Promise.allSettled(inFlight);
      await blocker.end().catch(() => {});
      const stored = ((await repo.deliveries(['a1'])).get('a1') ?? []).map((d) => d.deviceId).sort();
      const answered = ['r1', 'r2', 'r3'].filter((_, i) => outcomes[i]!.status === 'fulfilled');
      expect(stored).toEqual(answered);
      for (const o of outcomes) if (o.status === 'rejected') expect(o.reason).toMatchObject({ code: 'unavailable' });
      // r1's retry, once the server is back: stored now, moving it forward unless its first try
      // was already answered (stored) after the restart.
      const retry = await repo.recordVisibleReceipt(radio, 'a1', null, AT);
      expect(retry).toMatchObject({ advanced: !answered.includes('r1') });
      expect(((await repo.deliveries(['a1'])).get('a1') ?? []).map((d) => d.deviceId)).toContain('r1');
    } finally {
      await repo.close();
    }
  });

  it('answers each receipt of one statement with its own outcome: moved, already confirmed, refused', async () => {
    const { url, repo } = await fresh();
    try {
      const a1 = await raise(repo, 'a1');
      await raise(repo, 'a2');
      const radio = { deviceId: 'r1', scheme: 'town', zones: ['north'] };
      expect(await repo.recordVisibleReceipt(radio, 'a1', null, AT)).toMatchObject({ advanced: true });
      const before = await nextXid(url);
      const [again, other, second, away] = await Promise.all([
        repo.recordVisibleReceipt(radio, 'a1', null, AT),
        repo.recordVisibleReceipt({ ...radio, deviceId: 'r2' }, 'a1', 1, AT),
        repo.recordVisibleReceipt(radio, 'a2', null, AT),
        repo.recordVisibleReceipt({ ...radio, deviceId: 'r3', zones: ['south'] }, 'a1', null, AT),
      ]);
      expect(await nextXid(url)).toBe(before + 1); // one statement for all four
      const seq = a1.timeline[0]!.seq;
      expect(again).toEqual({ scheme: 'town', zone: 'north', seq, advanced: false });
      expect(other).toEqual({ scheme: 'town', zone: 'north', seq: Math.min(1, seq), advanced: true });
      expect(second).toMatchObject({ zone: 'north', advanced: true });
      expect(away).toBeNull();
    } finally {
      await repo.close();
    }
  });
});
