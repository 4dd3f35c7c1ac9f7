import { execFileSync, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort } from './ports';

/** A throw-away PostgreSQL server started by a test. */
export interface TestPostgres {
  /** `postgres://…` of an empty database made for the test. */
  url: string;
  /**
   * `fast` ends sessions cleanly; `immediate` is a crash (no shutdown checkpoint, WAL replay at
   * start). `whileDown` runs between the stop and the start: what clients meet during an outage.
   */
  restart(mode?: 'fast' | 'immediate', whileDown?: () => Promise<void>): Promise<void>;
  /** A second empty database on the same server (for tests that need two). */
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
}

/** The server binaries: `pg_config --bindir`, else the newest /usr/lib/postgresql/N/bin. */
function binDir(): string {
  try {
    const dir = execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim();
    if (fs.existsSync(path.join(dir, 'initdb'))) return dir;
  } catch {
    // no pg_config on PATH: look where Debian puts the server
  }
  const root = '/usr/lib/postgresql';
  const versions = fs.existsSync(root) ? fs.readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  for (const v of versions) {
    const dir = path.join(root, v, 'bin');
    if (fs.existsSync(path.join(dir, 'initdb'))) return dir;
  }
  throw new Error('PostgreSQL server binaries not found (install the Debian package "postgresql")');
}

/**
 * Runs a server binary. PostgreSQL refuses to run as root, so under root it runs as the `postgres`
 * user that Debian's package creates, in a directory handed over to that user.
 */
function run(bin: string, args: string[]) {
  const asRoot = process.getuid?.() === 0;
  const [cmd, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  const r = spawnSync(cmd, argv, { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) {
    throw new Error(`${path.basename(bin)} failed (${r.status ?? r.signal}): ${r.stderr || r.stdout}`);
  }
}

async function createDb(port: number, name: string): Promise<string> {
  const admin = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres' });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
  } finally {
    await admin.end();
  }
  return `postgres://postgres@127.0.0.1:${port}/${name}`;
}

/**
 * Starts PostgreSQL in a temp dir on a free loopback port (its unix socket in the same dir) and
 * creates a database. fsync stays on: the tests check that acknowledged writes are durable.
 * Trust authentication on loopback only; the server lives as long as the test file.
 */
export async function startPostgres(): Promise<TestPostgres> {
  const bin = binDir();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shopwatch-pg-'));
  if (process.getuid?.() === 0) {
    const { uid, gid } = userIds('postgres');
    fs.chownSync(dir, uid, gid);
  }
  const data = path.join(dir, 'data');
  const port = await freePort();
  // --no-sync only skips flushing initdb's template files; the server below runs with fsync=on.
  run(path.join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
  const options = [
    `-p ${port}`,
    `-k ${dir}`,
    '-c listen_addresses=127.0.0.1',
    '-c fsync=on',
    '-c synchronous_commit=on',
    '-c max_connections=50',
  ].join(' ');
  const pgCtl = (...args: string[]) =>
    run(path.join(bin, 'pg_ctl'), ['-D', data, '-l', path.join(dir, 'server.log'), '-w', '-t', '60', ...args]);
  pgCtl('-o', options, 'start');
  let running = true;
  // If the test process ends without stop() (a crash, a killed worker), take the server with it.
  const onExit = () => {
    if (!running) return;
    try {
      run(path.join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', 'stop']);
    } catch {
      // already gone
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', onExit);
  const url = await createDb(port, 'shopwatch');
  return {
    url,
    createDatabase: (name) => createDb(port, name),
    async restart(mode = 'fast', whileDown) {
      pgCtl('-m', mode, 'stop');
      try {
        await whileDown?.();
      } finally {
        pgCtl('-o', options, 'start');
      }
    },
    async stop() {
      process.removeListener('exit', onExit);
      if (running) pgCtl('-m', 'fast', 'stop');
      running = false;
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

function userIds(name: string): { uid: number; gid: number } {
  const line = fs
    .readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${name}:`));
  if (!line) throw new Error(`no "${name}" user: the Debian postgresql package creates it`);
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

/**
 * Set by the PostgreSQL test run's global setup (postgres-global-setup.ts) to a database URL on
 * a server started for the run. When set, `startTestHub` puts each hub on a database of its own.
 */
export const TEST_POSTGRES_ENV = 'SHOPWATCH_TEST_POSTGRES';

/**
 * The database of a test hub's data dir on the run's PostgreSQL server (made on first use, so a
 * hub restarted on the same dir finds its data), or undefined when the run is on SQLite.
 */
export async function testDatabaseFor(dataDir: string): Promise<string | undefined> {
  const base = process.env[TEST_POSTGRES_ENV];
  if (!base) return undefined;
  const name = `hub_${crypto.createHash('sha256').update(dataDir).digest('hex').slice(0, 24)}`;
  const admin = new pg.Client(base);
  await admin.connect();
  try {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
  } finally {
    await admin.end();
  }
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.toString();
}
