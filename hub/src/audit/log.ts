import crypto from 'node:crypto';
import type { Db } from '../storage/sqlite';

export interface AuditInput {
  scheme: string;
  actor: { kind: string; id: string };
  action: 'view' | 'export' | 'disclose' | 'create' | 'update' | 'delete' | 'decide' | 'purge';
  object: {
    kind: 'subject' | 'photo' | 'candidate' | 'evidence' | 'incident' | 'exclusion' | 'audit' | 'alert' | 'camera'
      | 'case';
    id: string;
  };
  subjectId?: string | null;
  detail?: Record<string, unknown>;
}

export interface AuditEntry {
  seq: number;
  at: string;
  scheme: string;
  actor: { kind: string; id: string };
  action: string;
  object: { kind: string; id: string };
  subjectId: string | null;
  detail: Record<string, unknown> | null;
  prevHash: string;
  hash: string;
}

const GENESIS = '0'.repeat(64);

/** The hash of an entry covers every field and the previous entry's hash. */
export function entryHash(e: Omit<AuditEntry, 'hash'>): string {
  const canonical = JSON.stringify([e.seq, e.at, e.scheme, e.actor.kind, e.actor.id, e.action, e.object.kind, e.object.id, e.subjectId, e.detail, e.prevHash]);
  return crypto.createHash('sha256').update(canonical).digest('hex');
}

type Row = Record<string, any>;
const fromRow = (r: Row): AuditEntry => ({
  seq: r.seq, at: r.at, scheme: r.scheme, actor: { kind: r.actor_kind, id: r.actor_id }, action: r.action,
  object: { kind: r.object_kind, id: r.object_id }, subjectId: r.subject_id, detail: r.detail ? JSON.parse(r.detail) : null,
  prevHash: r.prev_hash, hash: r.hash,
});

/**
 * The append-only, hash-chained audit log of gallery data: who viewed, exported or disclosed
 * what, and when. Written synchronously in the caller's turn so the chain has no gaps.
 */
export class AuditLog {
  constructor(private db: Db) {}

  append(e: AuditInput): AuditEntry {
    return this.db.transaction(() => {
      const last = this.db.prepare('SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1').get() as Row | undefined;
      const base = {
        seq: (last?.seq ?? 0) + 1, at: new Date().toISOString(), scheme: e.scheme, actor: e.actor, action: e.action, object: e.object,
        subjectId: e.subjectId ?? null, detail: e.detail ?? null, prevHash: last?.hash ?? GENESIS,
      };
      const entry: AuditEntry = { ...base, hash: entryHash(base) };
      this.db.prepare(`INSERT INTO audit (seq, at, scheme, actor_kind, actor_id, action, object_kind, object_id, subject_id, detail, prev_hash, hash)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(entry.seq, entry.at, entry.scheme, entry.actor.kind, entry.actor.id, entry.action,
        entry.object.kind, entry.object.id, entry.subjectId, entry.detail ? JSON.stringify(entry.detail) : null, entry.prevHash, entry.hash);
      return entry;
    }).immediate();
  }

  list(f: { scheme: string; subjectId?: string; objectKind?: string; objectId?: string; limit?: number; before?: number }): AuditEntry[] {
    const where = ['scheme = @scheme'];
    if (f.subjectId) where.push('subject_id = @subjectId');
    if (f.objectKind) where.push('object_kind = @objectKind');
    if (f.objectId) where.push('object_id = @objectId');
    if (f.before) where.push('seq < @before');
    return (this.db.prepare(`SELECT * FROM audit WHERE ${where.join(' AND ')} ORDER BY seq DESC LIMIT @limit`).all({ ...f, limit: f.limit ?? 200 }) as Row[]).map(fromRow);
  }

  /** Walks the whole chain; names the first entry whose hash or link does not hold. */
  verify(): { ok: true; entries: number } | { ok: false; entries: number; brokenAt: number; reason: string } {
    let prev = GENESIS;
    let n = 0;
    let expectSeq = 1;
    for (const r of this.db.prepare('SELECT * FROM audit ORDER BY seq').iterate() as Iterable<Row>) {
      const e = fromRow(r);
      n++;
      if (e.seq !== expectSeq) return { ok: false, entries: n, brokenAt: expectSeq, reason: `entry ${expectSeq} is missing` };
      if (e.prevHash !== prev) return { ok: false, entries: n, brokenAt: e.seq, reason: `entry ${e.seq} does not link to entry ${e.seq - 1}` };
      if (entryHash(e) !== e.hash) return { ok: false, entries: n, brokenAt: e.seq, reason: `entry ${e.seq} was altered (hash mismatch)` };
      prev = e.hash;
      expectSeq++;
    }
    return { ok: true, entries: n };
  }
}
