import type pg from 'pg';
import { HubError } from '../../errors';
import type { ReceiptSender, ReceiptTaken } from '../repository';
import { storageError } from '../storage-errors';
import { type ReceiptRow, receiptStatement, receiptsTaken } from './receipt-statement';

interface Pending extends ReceiptRow {
  key: string;
  resolve: (v: ReceiptTaken | null) => void;
  reject: (e: unknown) => void;
}

// Bounds one statement's size and the wait of its first receipt.
const MAX_BATCH = 500;

/**
 * Receipts on PostgreSQL, batched. Every radio confirms every alert: a burst of 50 alerts to 1,000
 * radios is 50,000 receipts. One at a time (four round trips and a COMMIT each, in parallel on
 * the shared pool) they held every connection, so a reconnecting radio's device lookup waited
 * behind them for tens of seconds. Here the receipts that arrive while a batch is written form
 * the next: one statement, one COMMIT (autocommit: the statement is its transaction). Each caller
 * is answered after that COMMIT returned, so a receipt is never acknowledged before it is
 * durable. No event-order lock: receipts add no alert events.
 *
 * `inFlight` batches may be written at once, each on its own pool connection. A device and alert
 * already in a batch being written waits for it (ON CONFLICT may touch a row once per statement,
 * and the second write must see the first's seq to move only forward); rows of each statement are
 * sorted by key, so concurrent batches lock rows in one order and cannot deadlock.
 */
export class PgReceiptBatch {
  private queue: Pending[] = [];
  private writing = 0;
  private scheduled = false;
  /** Keys (device, alert) of the batches being written. */
  private busy = new Set<string>();

  constructor(
    private pool: pg.Pool,
    private inFlight = 1,
  ) {}

  record(from: ReceiptSender, alertId: string, seq: number | null, at: string): Promise<ReceiptTaken | null> {
    return new Promise((resolve, reject) => {
      const key = JSON.stringify([from.deviceId, alertId]);
      this.queue.push({ from, alertId, seq, at, key, resolve, reject });
      this.schedule();
    });
  }

  /** The next batch starts one turn of the event loop later, so that a burst shares its statement. */
  private schedule() {
    if (this.scheduled || this.writing >= this.inFlight || !this.queue.length) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.start();
    });
  }

  private start() {
    while (this.writing < this.inFlight) {
      const batch = this.take();
      if (!batch.length) return;
      this.writing++;
      for (const p of batch) this.busy.add(p.key);
      void this.write(batch).finally(() => {
        for (const p of batch) this.busy.delete(p.key);
        this.writing--;
        this.schedule();
      });
    }
  }

  /**
   * Up to MAX_BATCH receipts in arrival order; a key already taken, or in a batch being written,
   * waits (in its place in the queue) for a later batch.
   */
  private take(): Pending[] {
    const batch: Pending[] = [];
    const keys = new Set<string>();
    const later: Pending[] = [];
    let i = 0;
    for (; i < this.queue.length && batch.length < MAX_BATCH; i++) {
      const p = this.queue[i]!;
      if (keys.has(p.key) || this.busy.has(p.key)) later.push(p);
      else {
        keys.add(p.key);
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
