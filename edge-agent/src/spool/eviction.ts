import type { Database } from 'better-sqlite3';
import { KEPT } from './types';

/**
 * The quota policy, one step at a time, oldest item first within each step:
 *
 * 1. media files of items the hub already acknowledged (they are safe on the hub) — but not
 *    files the hub refused: those are on no hub, and are kept as long as undelivered media;
 * 2. media files of undelivered items and refused files — their candidate JSON stays, and the
 *    file rows stay marked `evicted`, so the hub learns the evidence was lost to the quota
 *    rather than never made;
 * 3. records of delivered items (kept until now only to make a re-enqueue idempotent);
 * 4. as a last resort, records of undelivered items.
 *
 * So an undelivered candidate record is never evicted while any media file is left, and
 * media always goes before the records that describe it.
 */
export type Eviction =
  | { step: 1 | 2; itemSeq: number; name: string; relPath: string; bytes: number }
  | { step: 3 | 4; itemSeq: number; itemId: string; bytes: number; dir: string; relPaths: string[] };

/** Picks the next thing to evict, or undefined if the spool is empty. */
export function nextEviction(db: Database): Eviction | undefined {
  for (const step of [1, 2] as const) {
    const row = db
      .prepare(
        `SELECT f.item_seq AS itemSeq, f.name, f.rel_path AS relPath, f.bytes
           FROM files f JOIN items i ON i.seq = f.item_seq
          WHERE f.evicted_at IS NULL AND f.purged_at IS NULL AND ${
            step === 1
              ? 'i.delivered_at IS NOT NULL AND f.refused_at IS NULL'
              : '(i.delivered_at IS NULL OR f.refused_at IS NOT NULL)'
          }
          ORDER BY i.seq, f.name LIMIT 1`,
      )
      .get() as { itemSeq: number; name: string; relPath: string; bytes: number } | undefined;
    if (row) return { step, ...row };
  }
  for (const step of [3, 4] as const) {
    const row = db
      .prepare(
        `SELECT seq AS itemSeq, id AS itemId, payload_bytes AS bytes, dir FROM items
          WHERE delivered_at IS ${step === 3 ? 'NOT NULL' : 'NULL'} ORDER BY seq LIMIT 1`,
      )
      .get() as { itemSeq: number; itemId: string; bytes: number; dir: string } | undefined;
    if (row) {
      // Evicted file rows hold no bytes; kept ones cannot exist here (steps 1–2 took them all).
      const kept = db.prepare(`SELECT rel_path AS p FROM files WHERE item_seq = ? AND ${KEPT}`).all(row.itemSeq);
      const relPaths = (kept as Array<{ p: string }>).map((r) => r.p);
      return { step, ...row, relPaths };
    }
  }
  return undefined;
}

/**
 * Applies one eviction to the database (the caller deletes the files after the transaction
 * commits: a crash in between leaves only orphan files, which `recover()` removes).
 * Returns the relative paths to delete (files, or the item's folder).
 */
export function applyEviction(db: Database, e: Eviction, now: number): string[] {
  if ('relPath' in e) {
    db.prepare('UPDATE files SET evicted_at = ? WHERE item_seq = ? AND name = ?').run(now, e.itemSeq, e.name);
    db.prepare(`UPDATE meta SET value = value + 1 WHERE key = 'evicted_files'`).run();
    return [e.relPath];
  }
  db.prepare('DELETE FROM files WHERE item_seq = ?').run(e.itemSeq);
  db.prepare('DELETE FROM items WHERE seq = ?').run(e.itemSeq);
  db.prepare(`UPDATE meta SET value = value + 1 WHERE key = 'evicted_items'`).run();
  return [...e.relPaths, e.dir];
}
