import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { whileLeader } from '../../src/cluster/leader-jobs';
import { LEADER_LOCK, PgLeadership, SingleNodeLeadership } from '../../src/cluster/leader';
import { logger } from '../../src/log';
import { type TestPostgres, startPostgres } from '../support/postgres';
import { cutOffLeader, nodeUrl, waitFor } from './cluster-support';

const quiet = logger('test').child({}, { level: 'error' });
let server: TestPostgres;
beforeAll(async () => {
  server = await startPostgres();
});
afterAll(async () => {
  await server?.stop();
});

/** Three nodes' leaderships on one database, each recording every change it announces. */
async function threeNodes(url: string) {
  const db = new URL(url).pathname.slice(1);
  const urls = await Promise.all([0, 1, 2].map((i) => nodeUrl(url, `${db}_node${i}`)));
  const nodes = urls.map((u) => new PgLeadership(u, quiet, { retryMs: 200 }));
  const changes = nodes.map(() => [] as boolean[]);
  nodes.forEach((n, i) => {
    n.onChange((leader) => changes[i]!.push(leader));
  });
  await Promise.all(nodes.map((n) => n.start()));
  return { nodes, changes, leaders: () => nodes.filter((n) => n.isLeader) };
}

describe('leadership by a PostgreSQL advisory lock', () => {
  it('lets exactly one of three nodes lead while the others keep trying', async () => {
    const url = await server.createDatabase('lead_one');
    const { nodes, leaders } = await threeNodes(url);
    try {
      await waitFor(() => leaders().length === 1, 3000);
      // Sampled over several retry rounds of the followers: never zero, never two.
      for (let i = 0; i < 15; i++) {
        expect(leaders()).toHaveLength(1);
        await new Promise((r) => setTimeout(r, 100));
      }
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      const held = await admin.query(
        "SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1" +
          ' AND ((classid::bigint << 32) | objid::bigint) = $1',
        [LEADER_LOCK],
      );
      await admin.end();
      expect(held.rows[0].n).toBe(1);
    } finally {
      await Promise.all(nodes.map((n) => n.stop()));
    }
  });

  it('moves the lead within seconds when the leader is cut off, and the old leader steps down at once', async () => {
    const url = await server.createDatabase('lead_kill');
    const { nodes, changes, leaders } = await threeNodes(url);
    try {
      await waitFor(() => leaders().length === 1, 3000);
      const old = leaders()[0]!;
      const oldIndex = nodes.indexOf(old);
      const killedAt = Date.now();
      const role = await cutOffLeader(url);
      expect(role).toBe(`lead_kill_node${oldIndex}`);
      await waitFor(() => !old.isLeader, 1000);
      const steppedDownMs = Date.now() - killedAt;
      await waitFor(() => leaders().length === 1, 5000);
      const movedMs = Date.now() - killedAt;
      expect(changes[oldIndex]).toEqual([true, false]);
      expect(steppedDownMs).toBeLessThan(1000);
      expect(movedMs).toBeLessThan(5000);
      expect(leaders()[0]).not.toBe(old);
      await new Promise((r) => setTimeout(r, 800)); // the cut-off node keeps trying, in vain
      expect(leaders()).toHaveLength(1);
      expect(old.isLeader).toBe(false);
    } finally {
      await Promise.all(nodes.map((n) => n.stop()));
    }
  });

  it('hands the lead over when the leader stops, and a stopped node never leads again', async () => {
    const url = await server.createDatabase('lead_stop');
    const { nodes, changes, leaders } = await threeNodes(url);
    try {
      await waitFor(() => leaders().length === 1, 3000);
      const first = leaders()[0]!;
      await first.stop();
      expect(first.isLeader).toBe(false);
      expect(changes[nodes.indexOf(first)]).toEqual([true, false]);
      await waitFor(() => leaders().length === 1, 3000);
      expect(leaders()[0]).not.toBe(first);
      await new Promise((r) => setTimeout(r, 600));
      expect(first.isLeader).toBe(false);
    } finally {
      await Promise.all(nodes.map((n) => n.stop()));
    }
  });

  it('runs a job only while leading: started on taking the lead, stopped on losing it', async () => {
    const url = await server.createDatabase('lead_jobs');
    const a = new PgLeadership(url, quiet, { retryMs: 200 });
    const b = new PgLeadership(url, quiet, { retryMs: 200 });
    const runs = { a: [] as string[], b: [] as string[] };
    const job = (log: string[]) => ({ start: () => log.push('start'), stop: () => log.push('stop') });
    await a.start();
    await b.start();
    const jobA = whileLeader(a, 'test', job(runs.a), quiet);
    const jobB = whileLeader(b, 'test', job(runs.b), quiet);
    try {
      expect(a.isLeader).toBe(true); // the first to start takes the free lock at its first try
      expect(runs).toEqual({ a: ['start'], b: [] });
      await a.stop();
      expect(runs.a).toEqual(['start', 'stop']); // stopped before stop() returned
      await waitFor(() => b.isLeader, 3000);
      expect(runs.b).toEqual(['start']);
    } finally {
      jobA.stop();
      jobB.stop();
      await b.stop();
    }
    expect(runs.b).toEqual(['start', 'stop']);
  });

  it('moves the lead when the leader freezes: the server ends its silent session', async () => {
    const url = await server.createDatabase('lead_frozen');
    // A leader that never checks in again after taking the lock, as a stopped process would.
    const frozen = new PgLeadership(url, quiet, { retryMs: 60_000, sessionTimeoutMs: 1000 });
    const other = new PgLeadership(url, quiet, { retryMs: 200 });
    await frozen.start();
    await other.start();
    try {
      expect(frozen.isLeader).toBe(true);
      expect(other.isLeader).toBe(false);
      const since = Date.now();
      await waitFor(() => other.isLeader, 5000, 'the other node to lead');
      expect(Date.now() - since).toBeGreaterThanOrEqual(800); // not before the timeout
      // The frozen node hears of its ended session when it next looks: it no longer leads.
      await waitFor(() => !frozen.isLeader, 1000, 'the frozen node to step down');
    } finally {
      await frozen.stop();
      await other.stop();
    }
  });

  it('leads again after PostgreSQL restarts, one node only, and no node leads while it is down', async () => {
    const url = await server.createDatabase('lead_restart');
    const { nodes, leaders } = await threeNodes(url);
    try {
      await waitFor(() => leaders().length === 1, 3000);
      await server.restart('fast', async () => {
        await waitFor(() => leaders().length === 0, 2000, 'every node to step down');
        await new Promise((r) => setTimeout(r, 600)); // tries fail while the server is down
        expect(leaders()).toHaveLength(0);
      });
      await waitFor(() => leaders().length === 1, 5000, 'a leader after the restart');
      await new Promise((r) => setTimeout(r, 600));
      expect(leaders()).toHaveLength(1);
    } finally {
      await Promise.all(nodes.map((n) => n.stop()));
    }
  });
});

describe('leadership of a single node', () => {
  it('always leads, so its jobs start at once as they did before cluster mode', () => {
    const runs: string[] = [];
    const job = whileLeader(
      new SingleNodeLeadership(),
      'test',
      { start: () => runs.push('start'), stop: () => runs.push('stop') },
      quiet,
    );
    expect(runs).toEqual(['start']);
    job.stop();
    expect(runs).toEqual(['start', 'stop']);
  });
});
