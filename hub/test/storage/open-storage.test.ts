import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config';
import { logger } from '../../src/log';
import { openStorage } from '../../src/storage/open';
import { freePort } from '../support/ports';

const quiet = logger('test:storage').child({}, { level: 'silent' });

describe('choosing the store of record', () => {
  const dirs: string[] = [];
  const tmp = () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'shopwatch-open-'));
    dirs.push(d);
    return d;
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  it('reads SHOPWATCH_DATABASE_URL and refuses one that is not a PostgreSQL URL, naming the variable', () => {
    const url = 'postgres://hub@db.internal:5432/shopwatch';
    expect(loadConfig({ SHOPWATCH_DATABASE_URL: url }).databaseUrl).toBe(url);
    expect(loadConfig({}).databaseUrl).toBeUndefined();
    expect(() => loadConfig({ SHOPWATCH_DATABASE_URL: 'mysql://db/shopwatch' })).toThrow(ConfigError);
    expect(() => loadConfig({ SHOPWATCH_DATABASE_URL: '/var/lib/shopwatch.db' })).toThrow(/SHOPWATCH_DATABASE_URL/);
  });

  it('fails to open when the PostgreSQL server is unreachable, and never falls back to a SQLite file', async () => {
    const dataDir = tmp();
    const port = await freePort(); // nothing listens there
    await expect(
      openStorage({ dataDir, databaseUrl: `postgres://postgres@127.0.0.1:${port}/x` }, quiet),
    ).rejects.toThrow();
    expect(fs.readdirSync(dataDir)).toEqual([]);
  });

  it('keeps the single-machine default: without a URL the hub opens the SQLite file in the data dir', async () => {
    const dataDir = tmp();
    const s = await openStorage({ dataDir }, quiet);
    await s.close();
    expect(fs.existsSync(path.join(dataDir, 'shopwatch.db'))).toBe(true);
  });
});
