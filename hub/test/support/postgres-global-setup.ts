import { TEST_POSTGRES_ENV, type TestPostgres, startPostgres } from './postgres';

/**
 * Global setup of `npm run test:postgres`: one throw-away PostgreSQL server for the whole run,
 * named to the test workers (started after this) through the environment. Hub tests then run
 * with SHOPWATCH_DATABASE_URL set, each hub on a database of its own (support/hub.ts).
 */
export default async function setup(): Promise<() => Promise<void>> {
  const server: TestPostgres = await startPostgres();
  process.env[TEST_POSTGRES_ENV] = server.url;
  return () => server.stop();
}
