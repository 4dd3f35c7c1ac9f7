import { cpSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devicePrincipal, userPrincipal } from '../../src/auth/principal';
import { loadConfig } from '../../src/config';
import { type RunningHub, startHub } from '../../src/hub';
import { type TestPostgres, startPostgres } from '../support/postgres';
import { tempDir, testScheme, writeSeed } from '../support/hub';
import { candidateReport, iso, incidentInput, subjectInput } from '../storage/contract-fixtures';
import { cutOffLeader, nodeUrl, waitFor } from './cluster-support';

/**
 * Three whole hubs (startHub, each with its own data dir) on one PostgreSQL database, as three
 * replicas would run: the jobs that must happen once cluster-wide run on the leader only.
 */
let server: TestPostgres;
let url: string;
let firstDataDir = '';
const hubs: RunningHub[] = [];
/** Per hub: the ids of alerts it announced as escalated, and of candidates it announced expired. */
const heard = [0, 1, 2].map(() => ({ escalated: [] as string[], expired: [] as string[] }));

beforeAll(async () => {
  server = await startPostgres();
  url = await server.createDatabase('hubs');
  for (const i of [0, 1, 2]) {
    const dataDir = tempDir('shopwatch-cluster-');
    // Replicas on one database share the first one's keys (the hub refuses to start otherwise).
    if (i > 0)
      for (const f of ['secrets.key', 'keys'])
        cpSync(path.join(firstDataDir, f), path.join(dataDir, f), { recursive: true });
    else firstDataDir = dataDir;
    const seed = writeSeed(dataDir, testScheme({ escalationSeconds: 5 }));
    const config = loadConfig(
      {},
      {
        httpPort: 0,
        mqttPort: 0,
        host: '127.0.0.1',
        dataDir,
        seed,
        logLevel: 'error',
        reviewExpiryMinutes: 1,
        databaseUrl: await nodeUrl(url, `hub${i}`),
      },
    );
    const hub = await startHub(config);
    hub.services.bus.on('alert', (e) => {
      if (e.event.event === 'escalated') heard[i]!.escalated.push(e.event.alert.id);
    });
    hub.services.bus.on('review', (e) => {
      if (e.event.event === 'expired') heard[i]!.expired.push(e.event.candidate.id);
    });
    hubs.push(hub);
  }
});
afterAll(async () => {
  for (const h of hubs) await h.stop().catch(() => {});
  await server?.stop();
});

const leaders = () => hubs.filter((h) => (h.services as unknown as Parts).leadership.isLeader);
type Parts = { leadership: { isLeader: boolean } };

async function raiseOn(hub: RunningHub, ref: string) {
  const d = (await hub.services.repo.getDevice('radio-boots'))!;
  const scheme = (await hub.services.repo.getScheme('town'))!;
  const p = devicePrincipal(d, scheme);
  return (await hub.services.alerts.raise(p, { type: 'violence', severity: 'high', clientRef: ref })).alert;
}

/** A candidate nobody reviewed for two hours (past the one-minute review window). */
async function staleCandidate(hub: RunningHub, id: string) {
  await hub.services.evidenceRepo.addCandidate({
    report: candidateReport(id),
    scheme: 'town',
    deviceId: 'edge-boots',
    store: 'boots',
    zone: 'north',
    receivedAt: new Date(Date.now() - 2 * 3600_000).toISOString(),
  });
}

const deletedFiles = async (id: string) =>
  (await hubs[0]!.services.evidenceRepo.custodyLog(id))
    .filter((e) => e.action === 'deleted')
    .map((e) => e.name)
    .sort();

const escalations = async (id: string) =>
  (await hubs[0]!.services.repo.getAlert(id))!.timeline.filter((e) => e.kind === 'escalated').length;

describe('cluster-wide-once jobs on three hubs sharing one PostgreSQL database', () => {
  it('has one leader, the first hub to start, and each hub says so in its metrics', async () => {
    expect(leaders()).toEqual([hubs[0]]);
    const gauges = await Promise.all(
      hubs.map(async (h) => {
        const text = await (await fetch(`http://127.0.0.1:${h.httpPort}/metrics`)).text();
        return /^shopwatch_cluster_leader (\d)$/m.exec(text)?.[1];
      }),
    );
    expect(gauges).toEqual(['1', '0', '0']);
  });

  it('escalates an alert raised on a follower once, on the leader', async () => {
    const alert = await raiseOn(hubs[2]!, 'hubs-1');
    await waitFor(async () => (await escalations(alert.id)) > 0, 9000, 'the escalation');
    await new Promise((r) => setTimeout(r, 1200)); // more polls on every hub: nothing more
    expect(await escalations(alert.id)).toBe(1);
    expect(heard.map((h) => h.escalated)).toEqual([[alert.id], [], []]);
  });

  it('with the leader cut off, another hub escalates a due alert and expires a stale candidate once', async () => {
    const old = leaders()[0]!;
    const alert = await raiseOn(hubs[1]!, 'hubs-2');
    const candidateId = 'cand-cluster-1';
    await staleCandidate(hubs[1]!, candidateId); // stored after the leader's last sweep
    await cutOffLeader(url);
    await waitFor(() => leaders().length === 1 && leaders()[0] !== old, 5000, 'a new leader');
    await waitFor(async () => (await escalations(alert.id)) > 0, 9000, 'the escalation');
    const lateMs = Date.now() - Date.parse(alert.escalatesAt!);
    await waitFor(
      async () => (await hubs[2]!.services.evidenceRepo.getCandidate(candidateId))?.status === 'expired',
      5000,
      'the expiry',
    );
    await new Promise((r) => setTimeout(r, 1200));
    expect(await escalations(alert.id)).toBe(1);
    const leader = hubs.indexOf(leaders()[0]!);
    const escalatedBy = heard.flatMap((h, i) => (h.escalated.includes(alert.id) ? [i] : []));
    const expiredBy = heard.flatMap((h, i) => (h.expired.includes(candidateId) ? [i] : []));
    expect(escalatedBy).toEqual([leader]);
    expect(expiredBy).toEqual([leader]);
    // Storage's own record: the crop and frame were deleted once, by one sweep.
    expect(await deletedFiles(candidateId)).toEqual(['crop.jpg', 'frame.jpg']);
    expect(lateMs).toBeLessThan(4000);
  });

  // Two nodes may both think they lead for a moment: the conditional writes must keep each
  // expiry and purge to one, whoever runs the sweep.
  it('expires a stale candidate once when every hub sweeps at the same moment', async () => {
    const id = 'cand-cluster-2';
    await staleCandidate(hubs[0]!, id);
    for (const h of heard) h.expired.length = 0;
    await Promise.all(hubs.map((h) => h.services.review.expireStale()));
    expect((await hubs[0]!.services.evidenceRepo.getCandidate(id))?.status).toBe('expired');
    expect(heard.flatMap((h) => h.expired.filter((x) => x === id))).toEqual([id]);
    expect(await deletedFiles(id)).toEqual(['crop.jpg', 'frame.jpg']);
  });

  it('purges an expired gallery subject once when every hub sweeps at the same moment', async () => {
    const gov = hubs[0]!.services.governance.gov;
    const incident = await gov.addIncident('inc-cluster', 'town', 'boots', incidentInput(), 'coord', iso(0));
    const input = subjectInput([incident.id], { alias: 'Cluster Subject' });
    await gov.addSubject('subj-cluster', 'town', input, 'coord', iso(-3_600_000), iso(-1000));
    const versionBefore = await hubs[0]!.services.galleryRepo.version('town');
    await Promise.all(hubs.map((h) => h.services.governance.subjects.expireDue()));
    expect((await gov.subject('subj-cluster'))?.state).toBe('expired');
    expect((await gov.purges('town')).filter((p) => p.subjectId === 'subj-cluster')).toHaveLength(1);
    // One purge publishes one new gallery version, not one per hub.
    expect(await hubs[0]!.services.galleryRepo.version('town')).toBe(versionBefore + 1);
  });

  it('removes a subject once when two coordinators remove it on two hubs at the same moment', async () => {
    const gov = hubs[0]!.services.governance.gov;
    const incident = await gov.addIncident('inc-remove', 'town', 'boots', incidentInput(), 'coord', iso(0));
    await gov.addSubject('subj-remove', 'town', subjectInput([incident.id]), 'coord', iso(0), iso(3_600_000));
    const scheme = (await hubs[0]!.services.repo.getScheme('town'))!;
    const coord = userPrincipal((await hubs[0]!.services.repo.getUser('coord'))!, scheme);
    const results = await Promise.allSettled(
      [hubs[1]!, hubs[2]!].map((h) => h.services.governance.subjects.remove(coord, 'subj-remove', 'left the area')),
    );
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason).toMatchObject({ code: 'conflict' });
    expect((await gov.purges('town')).filter((p) => p.subjectId === 'subj-remove')).toHaveLength(1);
  });
});
