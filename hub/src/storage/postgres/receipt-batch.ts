import type pg from 'pg';
import { HubError } from '../../errors';
import type { ReceiptSender, ReceiptTaken } from '../repository';
import { storageError } from '../storage-errors';
import { type ReceiptRow, receiptStatement, receiptsTaken } from './receipt-statement';

interface Pending extends ReceiptRow {
  resolve: (v: ReceiptTaken | null) => void;
  reject: (e: unknown) => void;
}

// Bounds one statement's size and the wait of its first receipt.
const MAX_BATCH = 500;

/**
 * Receipts on PostgreSQL, batched. Every radio confirms every alert: a burst of 50 alerts to 1,000
 * radios is 50,000 receipts. One at a time (four round trips and a COMMIT each, in parallel on
 * the shared pool) they held every connection, so a reconnecting radio's device lookup waited
 * behind them for tens of seconds. Here the receipts that arrive while one batch is written
 * form the next: one statement, one COMMIT (autocommit: the statement is its transaction), one
 * pool connection at a time. Each caller is answered after that COMMIT returned, so a receipt is
 * never acknowledged before it is durable. No event-order lock: receipts add no alert events.
 *
 * One batch at a time. A second one written beside it (on a second connection) was measured with
 * mqtt.js radios replaying their receipts one at a time after a failover (bench/receipt-replay.ts):
 * the last radio back ~13% sooner in the median, well within the spread of runs on a shared box,
 * and smaller batches cost PostgreSQL more CPU a receipt. That replay is bound by the hub's own CPU
 * a receipt (~4x the store's), not by waiting for the batch in flight.
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
    let result: pg.QueryResult;
    try {
      result = await this.pool.query(receiptStatement(batch));
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
    const taken = receiptsTaken(batch, result);
    batch.forEach((p, i) => {
      p.resolve(taken[i]!);
    });
  }
}
