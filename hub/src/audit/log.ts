import crypto from 'node:crypto';
import path from 'node:path';
import type { Db, SqlRow } from '../storage/sqlite';
import { AuditAnchor } from './anchor';

export interface AuditInput {
  scheme: string;
  actor: { kind: string; id: string };
  action: 'view' | 'export' | 'disclose' | 'create' | 'update' | 'delete' | 'decide' | 'purge';
  object: {
    kind:
      | 'subject'
      | 'photo'
      | 'candidate'
      | 'evidence'
      | 'incident'
      | 'exclusion'
      | 'audit'
      | 'alert'
      | 'camera'
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
  const canonical = JSON.stringify([
    e.seq,
    e.at,
    e.scheme,
    e.actor.kind,
    e.actor.id,
    e.action,
    e.object.kind,
    e.object.id,
    e.subjectId,
    e.detail,
    e.prevHash,
  ]);
  return crypto.createHash('sha256').update(canonical).digest('hex');
}

type Row = SqlRow;
const fromRow = (r: Row): AuditEntry => ({
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

export type VerifyResult =
  | { ok: true; entries: number; anchored: boolean }
  | { ok: false; entries: number; brokenAt: number; reason: string };

/**
 * The append-only, hash-chained audit log of gallery data: who viewed, exported or disclosed
 * what, and when. Written synchronously in the caller's turn so the chain has no gaps. Each
 * entry also gets an HMAC under a key kept outside the database, and the newest entry is
 * anchored in a file outside it (see anchor.ts), so truncation and a recomputed chain show.
 */
export class AuditLog {
  private anchor: AuditAnchor | null;

  /** `dir` holds the key and the anchor; by default the database file's folder (the data dir). */
  constructor(
    private db: Db,
    dir = path.dirname(db.name),
  ) {
    // A side table rather than a column: the MACs are the key holder's, not part of the row.
    db.exec('CREATE TABLE IF NOT EXISTS audit_mac (seq INTEGER PRIMARY KEY, mac TEXT NOT NULL)');
    const last = db.prepare('SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1').get() as Row | undefined;
    const signed = db.prepare('SELECT COUNT(*) FROM audit_mac').pluck().get() as number;
    // A new key is made only for a log that has never been signed; once entries carry MACs, a
    // missing key is a fault to report (restore it from the backup), never silently replaced.
    const newest = { seq: last?.seq ?? 0, hash: last?.hash ?? GENESIS };
    this.anchor = signed === 0 ? AuditAnchor.open(dir, newest) : AuditAnchor.existing(dir);
  }

  private key(): AuditAnchor {
    if (!this.anchor) {
      throw new Error('the audit key (keys/audit-hmac.key in the data dir) is missing: restore it from the backup');
    }
    return this.anchor;
  }

  append(e: AuditInput): AuditEntry {
    const entry = this.db
      .transaction(() => {
        const last = this.db.prepare('SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1').get() as Row | undefined;
        const base = {
          seq: (last?.seq ?? 0) + 1,
          at: new Date().toISOString(),
          scheme: e.scheme,
          actor: e.actor,
          action: e.action,
          object: e.object,
          subjectId: e.subjectId ?? null,
          detail: e.detail ?? null,
          prevHash: last?.hash ?? GENESIS,
        };
        const entry: AuditEntry = { ...base, hash: entryHash(base) };
        this.db
          .prepare(`INSERT INTO audit (seq, at, scheme, actor_kind, actor_id, action, object_kind, object_id,
            subject_id, detail, prev_hash, hash)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
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
        const mac = this.key().entryMac(entry.seq, entry.hash);
        this.db.prepare('INSERT INTO audit_mac (seq, mac) VALUES (?, ?)').run(entry.seq, mac);
        return entry;
      })
      .immediate();
    // After the commit: the anchor may lag one entry behind after a crash, never run ahead.
    this.key().advance(entry.seq, entry.hash);
    return entry;
  }

  list(f: {
    scheme: string;
    subjectId?: string;
    objectKind?: string;
    objectId?: string;
    limit?: number;
    before?: number;
  }): AuditEntry[] {
    const where = ['scheme = @scheme'];
    if (f.subjectId) where.push('subject_id = @subjectId');
    if (f.objectKind) where.push('object_kind = @objectKind');
    if (f.objectId) where.push('object_id = @objectId');
    if (f.before) where.push('seq < @before');
    return (
      this.db
        .prepare(`SELECT * FROM audit WHERE ${where.join(' AND ')} ORDER BY seq DESC LIMIT @limit`)
        .all({ ...f, limit: f.limit ?? 200 }) as Row[]
    ).map(fromRow);
  }

  /**
   * Walks the whole chain (a gap anywhere matters to everyone) and names the first entry whose
   * hash, link or MAC does not hold, then checks the chain reaches the anchored entry.
   * `entries` counts the rows of `scope.scheme` only when given, so one scheme's admin does not
   * learn how busy another scheme is.
   */
  verify(scope: { scheme?: string } = {}): VerifyResult {
    if (!this.anchor) {
      return { ok: false, entries: 0, brokenAt: 1, reason: 'the audit key is missing, so no MAC can be checked' };
    }
    const key = this.anchor;
    const anchor = key.read();
    let prev = GENESIS;
    let n = 0;
    let expectSeq = 1;
    const macs = this.db.prepare('SELECT mac FROM audit_mac WHERE seq = ?').pluck();
    const mine = (e: AuditEntry) => !scope.scheme || e.scheme === scope.scheme;
    const broken = (brokenAt: number, reason: string): VerifyResult => ({ ok: false, entries: n, brokenAt, reason });
    for (const r of this.db.prepare('SELECT * FROM audit ORDER BY seq').iterate() as Iterable<Row>) {
      const e = fromRow(r);
      if (mine(e)) n++;
      if (e.seq !== expectSeq) return broken(expectSeq, `entry ${expectSeq} is missing`);
      if (e.prevHash !== prev) return broken(e.seq, `entry ${e.seq} does not link to entry ${e.seq - 1}`);
      if (entryHash(e) !== e.hash) return broken(e.seq, `entry ${e.seq} was altered (hash mismatch)`);
      const signed = anchor.state && e.seq >= anchor.state.macFrom;
      if (signed && !key.macMatches(e.seq, e.hash, macs.get(e.seq) as string | undefined)) {
        const why = 'was not written by this hub (MAC missing or wrong): the chain was recomputed or forged';
        return broken(e.seq, `entry ${e.seq} ${why}`);
      }
      if (anchor.state && e.seq === anchor.state.seq && e.hash !== anchor.state.hash) {
        return broken(e.seq, `entry ${e.seq} differs from the anchored entry: the chain was recomputed`);
      }
      prev = e.hash;
      expectSeq++;
    }
    if (!anchor.state) return broken(expectSeq, anchor.problem ?? 'no audit anchor');
    const lastSeq = expectSeq - 1;
    if (lastSeq < anchor.state.seq) {
      const why = `it ends at entry ${lastSeq} but entry ${anchor.state.seq} was anchored`;
      return broken(lastSeq + 1, `the log was truncated: ${why}`);
    }
    return { ok: true, entries: n, anchored: true };
  }
}
