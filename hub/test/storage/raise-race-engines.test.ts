import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertService } from '../../src/alerts/service';
import { devicePrincipal } from '../../src/auth/principal';
import { InProcessEventBus } from '../../src/bus';
import { Directory } from '../../src/directory';
import { logger } from '../../src/log';
import { openPostgres } from '../../src/storage/postgres/pool';
import { PostgresRepository } from '../../src/storage/postgres/postgres-repository';
import type { Repository } from '../../src/storage/repository';
import { openDatabase } from '../../src/storage/sqlite';
import { SqliteRepository } from '../../src/storage/sqlite-repository';
import { type TestPostgres, startPostgres } from '../support/postgres';
import { SCHEME, device } from './repository-fixtures';

const quiet = logger('test').child({}, { level: 'error' });
let server: TestPostgres;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shopwatch-race-'));
beforeAll(async () => {
  server = await startPostgres();
});
afterAll(async () => {
  await server?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const engines: [string, () => Promise<Repository>][] = [
  ['SQLite', async () => new SqliteRepository(openDatabase(dir, quiet))],
  ['PostgreSQL', async () => new PostgresRepository(await openPostgres(await server.createDatabase('race'), quiet))],
];

// The alert service relies on the storage's unique (sender, clientRef) key when two copies of a
// raise pass its look-up at once; both engines must report that as the same domain error.
describe.each(engines)('a retried raise racing its first copy (%s)', (_, open) => {
  it('creates one alert, announces it once, and answers both copies with it', async () => {
    const repo = await open();
    try {
      await repo.upsertScheme(SCHEME);
      await repo.upsertDevices([device('r1')]);
      const bus = new InProcessEventBus(quiet);
      const announced: string[] = [];
      bus.on('alert', (e) => void announced.push(e.event.alert.id));
      const alerts = new AlertService(repo, new Directory(repo), bus, quiet);
      const p = devicePrincipal((await repo.getDevice('r1'))!, SCHEME);
      const raise = { type: 'violence', severity: 'high', clientRef: 'retry-7' } as const;
      const [a, b] = await Promise.all([alerts.raise(p, raise), alerts.raise(p, raise)]);
      expect(a.alert.id).toBe(b.alert.id);
      expect([a.created, b.created].sort()).toEqual([false, true]);
      expect(announced).toEqual([a.alert.id]);
      expect(await repo.listAlerts({ scheme: 'town', limit: 10 })).toHaveLength(1);
    } finally {
      await repo.close();
    }
  });
});
