import type { Db } from './sqlite';

/** How far an alert's timeline and receipts have got: enough to tell whether a listed copy is current. */
export interface AlertProgress {
  events: number;
  lastSeq: number;
  receipts: number;
  /** Receipts only ever raise their lastSeq, so count and sum change with every receipt. */
  receiptSeqSum: number;
}

/**
 * Read queries of the alert listing worker (its own read-only connection). The alerts of a page
 * are passed as one JSON array parameter (json_each), so each statement is prepared once,
 * whatever the page size. Counting in SQL rather than reading every row matters at fleet scale:
 * 500 alerts receipted by 1,000 radios each are 500,000 receipt rows.
 */
export class ListingReads {
  private progressOf;

  constructor(db: Db) {
    this.progressOf = db.prepare(`
      SELECT p.value AS id,
        (SELECT COUNT(*) FROM alert_events e WHERE e.alert_id = p.value) AS events,
        (SELECT COALESCE(MAX(seq), 0) FROM alert_events e WHERE e.alert_id = p.value) AS lastSeq,
        (SELECT COUNT(*) FROM receipts r WHERE r.alert_id = p.value) AS receipts,
        (SELECT COALESCE(SUM(last_seq), 0) FROM receipts r WHERE r.alert_id = p.value) AS receiptSeqSum
      FROM json_each(?) p`);
  }

  progress(alertIds: string[]): Map<string, AlertProgress> {
    const rows = this.progressOf.all(JSON.stringify(alertIds)) as (AlertProgress & { id: string })[];
    return new Map(rows.map(({ id, ...p }) => [id, p]));
  }
}
