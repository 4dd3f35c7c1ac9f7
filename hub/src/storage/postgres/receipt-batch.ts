import type pg from 'pg';
import { HubError } from '../../errors';
import type { ReceiptSender, ReceiptTaken } from '../repository';
import { storageError } from '../storage-errors';

interface Pending {
  from: ReceiptSender;
  alertId: string;
  seq: number | null;
  at: string;
  resolve: (v: ReceiptTaken | null) => void;
  reject: (e: unknown) => void;
}

/**
 * Every receipt of a batch in one statement, in the order of its rows: each is checked (the alert
 * exists, is of the sender's scheme, and is in one of its zones or scheme-wide), its seq capped at
 * the alert's newest event, and upserted moving only forward. Rows are written sorted by key, so
 * two replicas writing overlapping batches lock rows in one order and cannot deadlock. A batch
 * never holds the same device and alert twice (ON CONFLICT may touch a row once per statement).
 */
const RECORD_RECEIPTS = `
  WITH t AS (
    SELECT * FROM jsonb_to_recordset($1::jsonb)
      AS t(i int, device text, alert text, scheme text, zones jsonb, seq bigint, at text)
  ), v AS (
    SELECT t.i, t.device, t.alert, t.at, a.scheme, a.zone, LEAST(COALESCE(t.seq, m.seq), m.seq) AS up_to
    FROM t
    JOIN alerts a ON a.id = t.alert AND a.scheme = t.scheme
      AND (t.zones IS NULL OR a.priority <> 0 OR t.zones ? a.zone)
    CROSS JOIN LATERAL (SELECT COALESCE(MAX(e.seq), 0) AS seq FROM alert_events e WHERE e.alert_id = a.id) m
  ), w AS (
    INSERT INTO receipts (device_id, alert_id, last_seq, at)
    SELECT device, alert, up_to, at FROM v ORDER BY device, alert
    ON CONFLICT (device_id, alert_id) DO UPDATE SET last_seq = excluded.last_seq, at = excluded.at
    WHERE excluded.last_seq > receipts.last_seq
    RETURNING device_id, alert_id
  )
  SELECT v.i, v.scheme, v.zone, v.up_to, w.device_id IS NOT NULL AS advanced
  FROM v LEFT JOIN w ON w.device_id = v.device AND w.alert_id = v.alert`;

// Bounds one statement's size (~100 bytes of JSON a receipt) and the wait of its first receipt.
const MAX_BATCH = 500;

/**
 * Receipts on PostgreSQL, batched. Every radio confirms every alert: a burst of 50 alerts to 1,000
 * radios is 50,000 receipts. One at a time (four round trips and a COMMIT each, in parallel on
 * the shared pool) they held every connection, so a reconnecting radio's device lookup waited
 * behind them for tens of seconds. Here the receipts that arrive while one batch is written
 * form the next: one statement, one COMMIT (autocommit: the statement is its transaction), one
 * pool connection at a time. Each caller is answered after that COMMIT returned, so a receipt is
 * never acknowledged before it is durable. No event-order lock: receipts add no alert events.
 */
export class PgReceiptBatch {
  private queue: Pending[] = [];
  private draining = false;

  constructor(private pool: pg.Pool) {}

  record(from: ReceiptSender, alertId: string, seq: number | null, at: string): Promise<ReceiptTaken | null> {
    return new Promise((resolve, reject) => {
      this.queue.push({ from, alertId, seq, at, resolve, reject });
      // The first receipt waits one turn of the event loop, so that a burst shares its statement.
      if (!this.draining && this.queue.length === 1) setImmediate(() => void this.drain());
    });
  }

  private async drain() {
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.queue.length) await this.write(this.take());
    } finally {
      this.draining = false;
    }
  }

  /** Up to MAX_BATCH receipts in arrival order; a repeat of a key already taken waits for the next batch. */
  private take(): Pending[] {
    const batch: Pending[] = [];
    const keys = new Set<string>();
    const later: Pending[] = [];
    let i = 0;
    for (; i < this.queue.length && batch.length < MAX_BATCH; i++) {
      const p = this.queue[i]!;
      const key = JSON.stringify([p.from.deviceId, p.alertId]);
      if (keys.has(key)) later.push(p);
      else {
        keys.add(key);
        batch.push(p);
      }
    }
    this.queue = later.concat(this.queue.slice(i));
    return batch;
  }

  private async write(batch: Pending[]) {
    const rows = batch.map((p, i) => ({
      i,
      device: p.from.deviceId,
      alert: p.alertId,
      scheme: p.from.scheme,
      zones: p.from.zones,
      seq: p.seq,
      at: p.at,
    }));
    let result: pg.QueryResult;
    try {
      result = await this.pool.query(RECORD_RECEIPTS, [JSON.stringify(rows)]);
    } catch (err) {
      const e = storageError(err);
      const unavailable = e instanceof HubError && e.code === 'unavailable';
      if (batch.length === 1 || unavailable) {
        for (const p of batch) p.reject(e); // the statement is atomic: none of the batch is stored
        return;
      }
      // Something in one receipt (not the server) failed the statement: each on its own, so one
      // bad receipt refuses itself and no other.
      for (const p of batch) await this.write([p]);
      return;
    }
    const taken = new Map<number, ReceiptTaken>();
    for (const r of result.rows) {
      taken.set(r.i, { scheme: r.scheme, zone: r.zone, seq: Number(r.up_to), advanced: r.advanced });
    }
    batch.forEach((p, i) => {
      p.resolve(taken.get(i) ?? null);
    });
  }
}
