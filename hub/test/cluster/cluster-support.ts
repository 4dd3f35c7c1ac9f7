import pg from 'pg';
import { LEADER_LOCK } from '../../src/cluster/leader';

/** Polls `check` until it holds; throws after `ms` (the message says what was awaited). */
export async function waitFor(check: () => boolean | Promise<boolean>, ms: number, what = 'condition') {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The backend pid of the session holding the leader lock, read from the server's lock table. */
export async function leaderPid(admin: pg.Client): Promise<number> {
  const { rows } = await admin.query(
    "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1" +
      ' AND ((classid::bigint << 32) | objid::bigint) = $1',
    [LEADER_LOCK],
  );
  if (rows.length !== 1) throw new Error(`expected one holder of the leader lock, found ${rows.length}`);
  return rows[0].pid as number;
}

/**
 * A URL for one node's own login role (a superuser, as the test server's default user is), so
 * that a test can cut that node off from the database without touching the others.
 */
export async function nodeUrl(url: string, role: string): Promise<string> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`CREATE ROLE ${pg.escapeIdentifier(role)} LOGIN SUPERUSER`);
  } finally {
    await admin.end();
  }
  const u = new URL(url);
  u.username = role;
  return u.toString();
}

/**
 * Cuts the leader off as a dead machine would be: its role may no longer log in, then its
 * session holding the lock is ended (PostgreSQL releases the lock with it). The node's other
 * sessions, e.g. its pool, stay up: if it kept running its jobs, its writes would still land.
 * Returns the role that was cut off.
 */
export async function cutOffLeader(url: string): Promise<string> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    const pid = await leaderPid(admin);
    const { rows } = await admin.query('SELECT usename FROM pg_stat_activity WHERE pid = $1', [pid]);
    const role = rows[0].usename as string;
    await admin.query(`ALTER ROLE ${pg.escapeIdentifier(role)} NOLOGIN`);
    await admin.query('SELECT pg_terminate_backend($1)', [pid]);
    return role;
  } finally {
    await admin.end();
  }
}
