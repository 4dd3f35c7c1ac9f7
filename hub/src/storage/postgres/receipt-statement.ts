import type pg from 'pg';
import type { ReceiptSender, ReceiptTaken } from '../repository';

/** One receipt to write: who sent it, for which alert, up to which seq (null: all sent so far). */
export interface ReceiptRow {
  from: ReceiptSender;
  alertId: string;
  seq: number | null;
  at: string;
}

/**
 * Every receipt of a batch in one statement, in the order of its rows: each is checked (the alert
 * exists, is of the sender's scheme, and is in one of its zones or scheme-wide), its seq capped at
 * the alert's newest event, and upserted moving only forward. Rows are written sorted by key, so
 * two replicas writing overlapping batches lock rows in one order and cannot deadlock. A batch
 * never holds the same device and alert twice (ON CONFLICT may touch a row once per statement).
 *
 * Why this form (measured by hub/bench/receipts-pg.ts, PostgreSQL CPU per receipt): one array a
 * column, unnested, instead of a JSONB document (jsonb_to_recordset cost ~3x the CPU at 334-500
 * rows); each alert read and its newest seq found once per batch (MATERIALIZED: a fleet confirming
 * one alert is 500 rows of one alert), not once per row; a named statement, so each pool
 * connection parses and plans it once. A sender's zones travel as JSON text, one array a row.
 * The rows checked and the keys RETURNING says moved come back as separate rows, matched here by
 * key: joining them in SQL was planned as a nested loop on the row estimate of the input (100 for
 * JSON, fewer for a generic plan), 250,000 comparisons for a batch of 500 and most of its time.
 */
const RECORD_RECEIPTS = `
  WITH t AS (
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[])
      WITH ORDINALITY AS t(device, alert, scheme, zones, seq, at, i)
  ), a AS MATERIALIZED (
    SELECT a.id, a.scheme, a.zone, a.priority,
      (SELECT COALESCE(MAX(e.seq), 0) FROM alert_events e WHERE e.alert_id = a.id) AS newest
    FROM alerts a WHERE a.id IN (SELECT alert FROM t)
  ), v AS (
    SELECT t.i, t.device, t.alert, t.at, a.scheme, a.zone, LEAST(COALESCE(t.seq, a.newest), a.newest) AS up_to
    FROM t
    JOIN a ON a.id = t.alert AND a.scheme = t.scheme
      AND (t.zones IS NULL OR a.priority <> 0 OR t.zones::jsonb ? a.zone)
  ), w AS (
    INSERT INTO receipts (device_id, alert_id, last_seq, at)
    SELECT device, alert, up_to, at FROM v ORDER BY device, alert
    ON CONFLICT (device_id, alert_id) DO UPDATE SET last_seq = excluded.last_seq, at = excluded.at
    WHERE excluded.last_seq > receipts.last_seq
    RETURNING device_id, alert_id
  )
  SELECT v.i::int AS i, v.scheme, v.zone, v.up_to, NULL::text AS device, NULL::text AS alert FROM v
  UNION ALL SELECT NULL, NULL, NULL, NULL, w.device_id, w.alert_id FROM w`;

/** The statement of a batch, named: prepared once per connection. */
export function receiptStatement(rows: ReceiptRow[]): pg.QueryConfig {
  return {
    name: 'shopwatch-record-receipts',
    text: RECORD_RECEIPTS,
    values: [
      rows.map((r) => r.from.deviceId),
      rows.map((r) => r.alertId),
      rows.map((r) => r.from.scheme),
      rows.map((r) => (r.from.zones ? JSON.stringify(r.from.zones) : null)),
      rows.map((r) => r.seq),
      rows.map((r) => r.at),
    ],
  };
}

/** The answer for each row of the batch, in its order: null where the sender may not see the alert. */
export function receiptsTaken(rows: ReceiptRow[], result: pg.QueryResult): (ReceiptTaken | null)[] {
  const advanced = new Set<string>();
  for (const r of result.rows) if (r.device !== null) advanced.add(JSON.stringify([r.device, r.alert]));
  const out: (ReceiptTaken | null)[] = rows.map(() => null);
  for (const r of result.rows) {
    if (r.i === null) continue;
    // WITH ORDINALITY counts from 1.
    const row = rows[r.i - 1]!;
    const moved = advanced.has(JSON.stringify([row.from.deviceId, row.alertId]));
    out[r.i - 1] = { scheme: r.scheme, zone: r.zone, seq: Number(r.up_to), advanced: moved };
  }
  return out;
}
