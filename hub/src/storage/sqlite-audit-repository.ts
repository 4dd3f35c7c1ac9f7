import type { AuditEntry, AuditFilter, AuditRepository, ChainHead, SealedEntry } from './audit-repository';
import { mapped } from './sqlite-errors';
import type { Db, SqlRow } from './sqlite';

type Row = SqlRow;

/** An audit row (detail is JSON text on both engines). */
export const auditFromRow = (r: Row): AuditEntry => ({
  seq: r.seq,
  at: r.at,
  scheme: r.scheme,
  actor: { kind: r.actor_kind, id: r.actor_id },
  action: r.action,
  object: { kind: r.object_kind, id: r.object_id },
  subjectId: r.subject_id,
  detail: r.detail ? JSON.parse(r.detail) : null,
  prevHash: r.prev_hash,
  hash: r.hash,
});

/**
 * The audit log in the hub's SQLite file. Each append is its own IMMEDIATE transaction
 * (not the group commit): the write lock is taken before the head is read, so the entry it
 * links to is still the newest when it commits.
 */
export class SqliteAuditRepository implements AuditRepository {
  constructor(private db: Db) {
    // A side table rather than a column: the MACs are the key holder's, not part of the row.
    db.exec('CREATE TABLE IF NOT EXISTS audit_mac (seq INTEGER PRIMARY KEY, mac TEXT NOT NULL)');
  }

  private headNow(): ChainHead | null {
    const last = this.db.prepare('SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1').get() as Row | undefined;
    return last ? { seq: last.seq, hash: last.hash } : null;
  }

  async head() {
    return this.headNow();
  }

  async signedCount() {
    return this.db.prepare('SELECT COUNT(*) FROM audit_mac').pluck().get() as number;
  }

  async append(seal: (head: ChainHead | null) => SealedEntry) {
    const insert = this.db.transaction(() => {
      const { entry, mac } = seal(this.headNow());
      this.db
        .prepare(`INSERT INTO audit (seq, at, scheme, actor_kind, actor_id, action, object_kind, object_id,
          subject_id, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
        .run(
          entry.seq,
          entry.at,
          entry.scheme,
          entry.actor.kind,
          entry.actor.id,
          entry.action,
          entry.object.kind,
          entry.object.id,
          entry.subjectId,
          entry.detail ? JSON.stringify(entry.detail) : null,
          entry.prevHash,
          entry.hash,
        );
      this.db.prepare('INSERT INTO audit_mac (seq, mac) VALUES (?, ?)').run(entry.seq, mac);
      return entry;
    });
    return mapped(() => insert.immediate());
  }

  async list(f: AuditFilter) {
    const where = ['scheme = @scheme'];
    if (f.subjectId) where.push('subject_id = @subjectId');
    if (f.objectKind) where.push('object_kind = @objectKind');
    if (f.objectId) where.push('object_id = @objectId');
    if (f.before) where.push('seq < @before');
    if (f.actor) where.push('actor_id = @actor');
    if (f.action) where.push('action = @action');
    // Compared as instants: `at` is always UTC ISO, a filter may carry any offset.
    if (f.from) where.push('at >= @fromUtc');
    if (f.to) where.push('at < @toUtc');
    const utc = (t?: string) => (t ? new Date(t).toISOString() : null);
    const rows = this.db
      .prepare(`SELECT * FROM audit WHERE ${where.join(' AND ')} ORDER BY seq DESC LIMIT @limit`)
      .all({
        scheme: f.scheme,
        subjectId: f.subjectId,
        objectKind: f.objectKind,
        objectId: f.objectId,
        before: f.before,
        actor: f.actor,
        action: f.action,
        fromUtc: utc(f.from),
        toUtc: utc(f.to),
        limit: f.limit ?? 200,
      }) as Row[];
    return rows.map(auditFromRow);
  }

  async chain(afterSeq: number, limit: number) {
    const rows = this.db
      .prepare(`SELECT a.*, m.mac FROM audit a LEFT JOIN audit_mac m ON m.seq = a.seq
        WHERE a.seq > ? ORDER BY a.seq LIMIT ?`)
      .all(afterSeq, limit) as Row[];
    return rows.map((r) => ({ ...auditFromRow(r), mac: (r.mac as string | null) ?? null }));
  }
}
