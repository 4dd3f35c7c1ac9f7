import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logger } from '../../src/log';
import { openPostgres } from '../../src/storage/postgres/pool';
import { PostgresRepository } from '../../src/storage/postgres/postgres-repository';
import type { NewEvent, Repository } from '../../src/storage/repository';
import { openDatabase } from '../../src/storage/sqlite';
import { SqliteRepository } from '../../src/storage/sqlite-repository';
import { type TestPostgres, startPostgres } from '../support/postgres';
import { SCHEME, device, raise, render } from '../storage/repository-fixtures';

const quiet = logger('test').child({}, { level: 'error' });
let server: TestPostgres;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shopwatch-claim-'));
beforeAll(async () => {
  server = await startPostgres();
});
afterAll(async () => {
  await server?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const engines: [string, () => Promise<Repository>][] = [
  ['SQLite', async () => new SqliteRepository(openDatabase(dir, quiet))],
  ['PostgreSQL', async () => new PostgresRepository(await openPostgres(await server.createDatabase('claim'), quiet))],
];

const escalate = { status: 'escalated', priority: true, escalatesAt: null } as const;
const event = (at: string): NewEvent => ({ kind: 'escalated', at, actor: { kind: 'hub', id: 'escalation' } });
const DUE = '2026-11-30T10:01:00.000Z'; // newAlert's escalatesAt

// The claim behind "escalated once cluster-wide": the same conditional write on both engines.
describe.each(engines)('claiming an escalation (%s)', (_, open) => {
  let repo: Repository;
  beforeAll(async () => {
    repo = await open();
    await repo.upsertScheme(SCHEME);
    await repo.upsertDevices([device('r1')]);
  });
  afterAll(async () => repo.close());

  it('escalates an alert whose time has come, once: a second claim changes nothing', async () => {
    const a = await raise(repo, 'due-1');
    const first = await repo.updateAlertIfDue(a.id, DUE, escalate, event(DUE), render);
    expect(first?.alert).toMatchObject({ status: 'escalated', priority: true, escalatesAt: null });
    expect(await repo.updateAlertIfDue(a.id, DUE, escalate, event(DUE), render)).toBeNull();
    const timeline = (await repo.getAlert(a.id))!.timeline.map((e) => e.kind);
    expect(timeline).toEqual(['raised', 'escalated']);
  });

  it('refuses the claim before the due time, and after someone attends (no event written)', async () => {
    const early = await raise(repo, 'due-2');
    expect(await repo.updateAlertIfDue(early.id, '2026-11-30T10:00:59.999Z', escalate, event(DUE), render)).toBeNull();
    const attended = await raise(repo, 'due-3');
    await repo.updateAlert(
      attended.id,
      { escalatesAt: null },
      { kind: 'acknowledged', at: DUE, actor: { kind: 'device', id: 'r1' }, status: 'attending' },
      render,
    );
    expect(await repo.updateAlertIfDue(attended.id, DUE, escalate, event(DUE), render)).toBeNull();
    expect((await repo.getAlert(early.id))!.timeline.map((e) => e.kind)).toEqual(['raised']);
    expect((await repo.getAlert(attended.id))!.status).toBe('open');
  });

  it('lets one of several simultaneous claims win', async () => {
    const a = await raise(repo, 'due-4');
    const results = await Promise.all(
      [0, 1, 2, 3].map(() => repo.updateAlertIfDue(a.id, DUE, escalate, event(DUE), render)),
    );
    expect(results.filter((r) => r !== null)).toHaveLength(1);
    expect((await repo.getAlert(a.id))!.timeline.filter((e) => e.kind === 'escalated')).toHaveLength(1);
  });
});
