/**
 * PostgreSQL CPU per receipt of the batched receipt statement, by batch size and statement form.
 * Reads the backend's own CPU from /proc (its pid from pg_backend_pid()), so the figure is the
 * server's work only. Every receipt is a new row (device never seen for that alert), as when a
 * fleet confirms a fresh alert.
 */
import pg from 'pg';
import { logger } from '../src/log';
import { openPostgres } from '../src/storage/postgres/pool';
import { PostgresRepository } from '../src/storage/postgres/postgres-repository';
import { RECEIPT_STATEMENTS } from './receipt-forms';
import { startPostgres } from '../test/support/postgres';
import { SCHEME, raise } from '../test/storage/repository-fixtures';
import { sample } from './lib/proc';

const quiet = logger('bench').child({}, { level: 'error' });
const TOTAL = Number(process.env.RECEIPTS ?? 20_000);
const ALERTS = 1_200;
const shapes: { size: number; alerts: number }[] = [
  { size: 1, alerts: 1 },
  { size: 50, alerts: 1 },
  { size: 334, alerts: 1 },
  { size: 500, alerts: 1 },
  { size: 50, alerts: 50 },
  { size: 500, alerts: 50 },
];

const server = await startPostgres();
try {
  const repo = new PostgresRepository(await openPostgres(server.url, quiet));
  await repo.upsertScheme(SCHEME);
  for (let i = 0; i < ALERTS; i++) await raise(repo, `a${i}`, i % 10 === 0 ? { zone: 'south', priority: true } : {});
  await repo.close();
  // A day of a county (100,000 alerts, a million receipts) around them, so that plans and index
  // depths are those of a real table, not of a small one read whole.
  const filler = Number(process.env.FILLER_ALERTS ?? 100_000);
  const admin = new pg.Client(server.url);
  await admin.connect();
  await admin.query(
    `INSERT INTO alerts (id, scheme, zone, store, type, severity, message, subject_id, client_ref,
      raised_by_kind, raised_by_id, raised_at, status, escalates_at, priority, closed_at, outcome)
    SELECT 'f' || g, scheme, zone, store, type, severity, message, subject_id,
      'ref-f' || g, raised_by_kind, raised_by_id, raised_at, status, escalates_at, priority, closed_at, outcome
    FROM alerts, generate_series(1, $1) g WHERE id = 'a1'`,
    [filler],
  );
  await admin.query(
    `INSERT INTO alert_events (alert_id, scheme, zone, scope, kind, at, actor_kind, actor_id)
    SELECT 'f' || g, 'town', 'north', 'zone', 'raised', '2026-11-30T09:00:00.000Z', 'device', 'r1'
    FROM generate_series(1, $1) g`,
    [filler],
  );
  await admin.query(
    `INSERT INTO receipts SELECT 'fd' || (g % 1000), 'f' || (g / 1000 + 1), 1, '2026-11-30T09:00:00.000Z'
    FROM generate_series(0, $1 * 10 - 1) g`,
    [filler],
  );
  if (process.env.ALERT_FIRST_KEY) {
    // One index instead of two: the key led by the alert serves every read by alert.
    await admin.query(`ALTER TABLE receipts DROP CONSTRAINT receipts_pkey, ADD PRIMARY KEY (alert_id, device_id);
      DROP INDEX receipts_alert`);
  }
  await admin.query('VACUUM ANALYZE');
  await admin.end();
  const client = new pg.Client(server.url);
  await client.connect();
  const pid = (await client.query('SELECT pg_backend_pid() AS pid')).rows[0].pid as number;
  let device = 0;
  const forms = (process.env.FORMS ?? Object.keys(RECEIPT_STATEMENTS).join(',')).split(',');
  for (const shape of shapes) {
    for (const form of forms) {
      const statement = RECEIPT_STATEMENTS[form]!;
      const rounds = Math.max(1, Math.round(TOTAL / shape.size));
      let alert = 0;
      const before = sample(pid).cpuSeconds;
      const t0 = performance.now();
      for (let r = 0; r < rounds; r++) {
        const rows = Array.from({ length: shape.size }, (_, i) => ({
          deviceId: `d${device + Math.floor(i / shape.alerts)}`,
          alertId: `a${(alert + (i % shape.alerts)) % ALERTS}`,
          scheme: 'town',
          zones: ['north'],
          seq: null,
          at: '2026-11-30T10:05:00.000Z',
        }));
        device += Math.ceil(shape.size / shape.alerts);
        alert += shape.alerts;
        const { text, values, name } = statement(rows);
        const res = await client.query({ text, values, name });
        if (res.rows.length < shape.size) throw new Error(`${form}: ${res.rows.length} rows of ${shape.size}`);
      }
      const cpu = sample(pid).cpuSeconds - before;
      const wall = performance.now() - t0;
      const per = (cpu * 1e6) / (rounds * shape.size);
      const size = String(shape.size).padStart(3);
      const line = `${form.padEnd(12)} batch ${size} × ${String(shape.alerts).padStart(2)} alerts`;
      console.log(
        `${line}: ${per.toFixed(1)} µs CPU/receipt, ${((wall * 1000) / (rounds * shape.size)).toFixed(1)} µs wall`,
      );
    }
  }
  if (process.env.EXPLAIN) {
    for (const form of forms) {
      const rows = Array.from({ length: 500 }, (_, i) => ({
        deviceId: `x${Math.floor(i / 50)}`,
        alertId: `a${i % 50}`,
        scheme: 'town',
        zones: ['north'],
        seq: null,
        at: '2026-11-30T10:06:00.000Z',
      }));
      const { text, values } = RECEIPT_STATEMENTS[form]!(rows);
      await client.query('BEGIN');
      const plan = await client.query(`EXPLAIN (ANALYZE, BUFFERS) ${text}`, values);
      await client.query('ROLLBACK');
      console.log(`--- ${form}\n${plan.rows.map((r) => r['QUERY PLAN']).join('\n')}`);
    }
  }
  await client.end();
} finally {
  await server.stop();
}
