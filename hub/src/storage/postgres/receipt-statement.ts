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
 * Why this form (hub/bench/receipts-pg.ts, PostgreSQL CPU per receipt, on tables of a county's day):
 * the rows checked and the keys RETURNING says moved come back as separate rows, matched by key in
 * receiptsTaken. Joined in SQL (LEFT JOIN) they were planned as a nested loop on the input's row
 * estimate (100 for a JSONB document, 1 after the join): 250,000 comparisons for a batch of 500,
 * most of its time (40 -> 10 us a receipt at 500). Each alert of the batch and its newest seq are
 * read once (MATERIALIZED), not once per row: a fleet confirming one alert is 500 rows of it. The
 * statement is named, so each pool connection plans it once (614 -> 185 us for a batch of one,
 * 25 -> 12.5 at 50). Its input stays one JSONB document: as arrays (one a column, unnested) it cost
 * the same at 334-500 rows but 452 us for a batch of one, 18 at 50 (probably planned again each
 * time: with the arrays' lengths known, each custom plan looks better than the generic one).
 */
const RECORD_RECEIPTS = `
  WITH t AS (
    SELECT * FROM jsonb_to_recordset($1::jsonb)
      AS t(i int, device text, alert text, scheme text, zones jsonb, seq bigint, at text)
  ), a AS MATERIALIZED (
    SELECT a.id, a.scheme, a.zone, a.priority,
      (SELECT COALESCE(MAX(e.seq), 0) FROM alert_events e WHERE e.alert_id = a.id) AS newest
    FROM alerts a WHERE a.id IN (SELECT alert FROM t)
  ), v AS (
    SELECT t.i, t.device, t.alert, t.at, a.scheme, a.zone, LEAST(COALESCE(t.seq, a.newest), a.newest) AS up_to
    FROM t
    JOIN a ON a.id = t.alert AND a.scheme = t.scheme
      AND (t.zones IS NULL OR a.priority <> 0 OR t.zones ? a.zone)
  ), w AS (
    INSERT INTO receipts (device_id, alert_id, last_seq, at)
    SELECT device, alert, up_to, at FROM v ORDER BY device, alert
    ON CONFLICT (device_id, alert_id) DO UPDATE SET last_seq = excluded.last_seq, at = excluded.at
    WHERE excluded.last_seq > receipts.last_seq
    RETURNING device_id, alert_id
  )
  SELECT v.i, v.scheme, v.zone, v.up_to, NULL::text AS device, NULL::text AS alert FROM v
  UNION ALL SELECT NULL, NULL, NULL, NULL, w.device_id, w.alert_id FROM w`;

/** The statement of a batch, named: prepared once per connection. */
export function receiptStatement(rows: ReceiptRow[]): pg.QueryConfig {
  return {
    name: 'shopwatch-record-receipts',
    text: RECORD_RECEIPTS,
    values: [
      JSON.stringify(
        rows.map((r, i) => ({
          i,
          device: r.from.deviceId,
          alert: r.alertId,
          scheme: r.from.scheme,
          zones: r.from.zones,
          seq: r.seq,
          at: r.at,
        })),
      ),
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
    const row = rows[r.i]!;
    const moved = advanced.has(JSON.stringify([row.from.deviceId, row.alertId]));
    out[r.i] = { scheme: r.scheme, zone: r.zone, seq: Number(r.up_to), advanced: moved };
  }
  return out;
}
