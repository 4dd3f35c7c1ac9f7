import { afterAll, beforeAll } from 'vitest';
import { logger } from '../../src/log';
import { openStorage } from '../../src/storage/open';
import { type TestPostgres, startPostgres } from '../support/postgres';
import { storageContract } from './contract';

const quiet = logger('test:storage').child({}, { level: 'error' });
let server: TestPostgres;

beforeAll(async () => {
  server = await startPostgres();
}, 120_000);
afterAll(async () => {
  await server?.stop();
});

// One database per test's data dir: reopening the same dir reaches the same data, as the
// reopen tests need; every test starts on an empty, freshly migrated database.
const databases = new Map<string, string>();
async function databaseFor(dir: string): Promise<string> {
  let url = databases.get(dir);
  if (!url) databases.set(dir, (url = await server.createDatabase(`storage_${databases.size + 1}`)));
  return url;
}

// The same contract as SQLite, opened exactly as the hub opens it with SHOPWATCH_DATABASE_URL set.
storageContract('PostgreSQL', async (dir) => openStorage({ dataDir: dir, databaseUrl: await databaseFor(dir) }, quiet));
