import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EscalationScheduler } from '../../src/alerts/escalation';
import { AlertService } from '../../src/alerts/service';
import { devicePrincipal } from '../../src/auth/principal';
import { InProcessEventBus } from '../../src/bus';
import { whileLeader } from '../../src/cluster/leader-jobs';
import { PgLeadership } from '../../src/cluster/leader';
import { Directory } from '../../src/directory';
import { logger } from '../../src/log';
import { openPostgres } from '../../src/storage/postgres/pool';
import { PostgresRepository } from '../../src/storage/postgres/postgres-repository';
import type { Repository } from '../../src/storage/repository';
import { type TestPostgres, startPostgres } from '../support/postgres';
import { SCHEME, device } from '../storage/repository-fixtures';
import { cutOffLeader, nodeUrl, waitFor } from './cluster-support';

const quiet = logger('test').child({}, { level: 'error' });
let server: TestPostgres;
beforeAll(async () => {
  server = await startPostgres();
});
afterAll(async () => {
  await server?.stop();
});

/**
 * One hub node as far as escalation goes: its own pool, bus and alert service over the shared
 * database, and (when `lead` is set) the escalation job run while its PostgreSQL lock leads.
 */
async function node(url: string, lead: boolean, leaderUrl = url) {
  const repo = new PostgresRepository(await openPostgres(url, quiet, 3));
  const bus = new InProcessEventBus(quiet);
  const escalated: string[] = [];
  bus.on('alert', (e) => {
    if (e.event.event === 'escalated') escalated.push(e.event.alert.id);
  });
  const alerts = new AlertService(repo, new Directory(repo), bus, quiet);
  const leadership = new PgLeadership(leaderUrl, quiet, { retryMs: 300 });
  const scheduler = new EscalationScheduler(repo, alerts, bus, quiet, 300);
  let job = { stop: () => {} };
  if (lead) {
    await leadership.start();
    job = whileLeader(leadership, 'escalation', scheduler, quiet);
  }
  return {
    repo,
    alerts,
    escalated,
    leadership,
    async close() {
      job.stop();
      await leadership.stop();
      await repo.close();
    },
  };
}

/** A scheme whose alerts escalate `seconds` after they are raised; device r1 raises them. */
async function seed(repo: Repository, seconds: number) {
  await repo.upsertScheme({ ...SCHEME, settings: { ...SCHEME.settings, escalationSeconds: seconds } });
  await repo.upsertDevices([device('r1')]);
}

async function raise(n: Awaited<ReturnType<typeof node>>, ref: string) {
  const p = devicePrincipal((await n.repo.getDevice('r1'))!, SCHEME);
  return (await n.alerts.raise(p, { type: 'violence', severity: 'high', clientRef: ref })).alert;
}

const escalatedEvents = async (repo: Repository, id: string) =>
  (await repo.getAlert(id))!.timeline.filter((e) => e.kind === 'escalated').length;

describe('escalation across hub nodes on one PostgreSQL database', () => {
  it('escalates a due alert once when three nodes claim it at the same moment (two leaders for a moment)', async () => {
    const url = await server.createDatabase('esc_claim');
    const nodes = await Promise.all([0, 1, 2].map(() => node(url, false)));
    try {
      await seed(nodes[0]!.repo, 1);
      const alert = await raise(nodes[0]!, 'claim-1');
      await waitFor(async () => Date.now() > Date.parse(alert.escalatesAt!) + 50, 3000, 'the due time');
      // All three read the alert as due before any writes: only the conditional write decides.
      const counts = await Promise.all(nodes.map((n) => n.alerts.escalateDue()));
      expect(counts.sort()).toEqual([0, 0, 1]);
      expect(await escalatedEvents(nodes[1]!.repo, alert.id)).toBe(1);
      expect(nodes.flatMap((n) => n.escalated)).toEqual([alert.id]);
    } finally {
      await Promise.all(nodes.map((n) => n.close()));
    }
  });

  it('with three nodes running the job, an alert raised on a follower is escalated once, by the leader', async () => {
    const url = await server.createDatabase('esc_three');
    const first = await node(url, true);
    await seed(first.repo, 1);
    const nodes = [first, ...(await Promise.all([node(url, true), node(url, true)]))];
    try {
      const follower = nodes.find((n) => !n.leadership.isLeader)!;
      const alert = await raise(follower, 'three-1');
      await waitFor(async () => (await escalatedEvents(first.repo, alert.id)) > 0, 5000, 'the escalation');
      await new Promise((r) => setTimeout(r, 1000)); // a few more polls of every node: nothing more
      expect(await escalatedEvents(first.repo, alert.id)).toBe(1);
      const leader = nodes.find((n) => n.leadership.isLeader)!;
      expect(leader.escalated).toEqual([alert.id]);
      expect(nodes.flatMap((n) => n.escalated)).toEqual([alert.id]);
    } finally {
      await Promise.all(nodes.map((n) => n.close()));
    }
  });

  it('escalates a pending alert once, on another node, after the leader is cut off from the database', async () => {
    const url = await server.createDatabase('esc_failover');
    const roles = await Promise.all([0, 1, 2].map((i) => nodeUrl(url, `esc_failover_node${i}`)));
    const first = await node(url, true, roles[0]);
    await seed(first.repo, 3);
    const nodes = [first, await node(url, true, roles[1]), await node(url, true, roles[2])];
    try {
      await waitFor(() => nodes.filter((n) => n.leadership.isLeader).length === 1, 3000, 'a leader');
      const old = nodes.find((n) => n.leadership.isLeader)!;
      const alert = await raise(old, 'failover-1');
      // Only its leadership session dies: its pool stays up, so were its job still running
      // after the step-down it could still escalate, and the test would see two.
      await cutOffLeader(url);
      await waitFor(() => !old.leadership.isLeader, 1000, 'the old leader to step down');
      await waitFor(async () => (await escalatedEvents(first.repo, alert.id)) > 0, 8000, 'the escalation');
      const lateMs = Date.now() - Date.parse(alert.escalatesAt!);
      await new Promise((r) => setTimeout(r, 1000));
      expect(await escalatedEvents(first.repo, alert.id)).toBe(1);
      expect(old.escalated).toEqual([]);
      const by = nodes.filter((n) => n.escalated.length);
      expect(by).toHaveLength(1);
      expect(by[0]).not.toBe(old);
      expect(by[0]!.leadership.isLeader).toBe(true);
      expect(lateMs).toBeLessThan(3000);
    } finally {
      await Promise.all(nodes.map((n) => n.close()));
    }
  });
});
