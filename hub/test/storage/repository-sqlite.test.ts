import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import { logger } from '../../src/log';
import { openDatabase } from '../../src/storage/sqlite';
import { SqliteRepository } from '../../src/storage/sqlite-repository';
import { repositoryContract } from './repository-contract';

const quiet = logger('test').child({}, { level: 'warn' });
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

// A new database file per test, in a temp dir, opened as the hub opens it (WAL, synchronous=FULL).
repositoryContract('SQLite', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shopwatch-repo-'));
  dirs.push(dir);
  const open = () => new SqliteRepository(openDatabase(dir, quiet));
  return { repo: open(), reopen: async () => open() };
});
