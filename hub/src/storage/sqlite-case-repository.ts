import type { CaseStatus } from '@shopwatch/protocols';
import type { CaseRepository, NewCase, StoredCase } from './case-repository';
import { type GroupCommit, groupCommitFor } from './group-commit';
import type { Db, SqlRow } from './sqlite';

type Row = SqlRow;

/** The SQLite review cases: the case's figures are aggregated from `candidates` on each read. */
export class SqliteCaseRepository implements CaseRepository {
  private writes: GroupCommit;
  constructor(private db: Db) {
    this.writes = groupCommitFor(db);
  }

  private fromRow(r: Row): StoredCase | null {
    const agg = this.db
      .prepare(`SELECT COUNT(*) AS n, SUM(status = 'pending') AS pending, MAX(score) AS best,
        MIN(captured_at) AS first, MAX(captured_at) AS last, GROUP_CONCAT(DISTINCT camera_id) AS cams
      FROM candidates WHERE case_id = ?`)
      .get(r.id) as Row;
    if (!agg.n) return null;
    const best = this.db
      .prepare('SELECT id FROM candidates WHERE case_id = ? ORDER BY score DESC, captured_at LIMIT 1')
      .pluck()
      .get(r.id) as string;
    return caseFromRow(r, agg, best);
  }

  async get(id: string) {
    const r = this.db.prepare('SELECT * FROM review_cases WHERE id = ?').get(id) as Row | undefined;
    return r ? this.fromRow(r) : null;
  }

  async latest(scheme: string, subjectId: string, store: string | null, statuses: CaseStatus[]) {
    const r = this.db
      .prepare(`SELECT * FROM review_cases WHERE scheme = ? AND subject_id = ? AND store IS ?
      AND status IN (${statuses.map(() => '?').join(', ')}) ORDER BY opened_at DESC, rowid DESC LIMIT 1`)
      .get(scheme, subjectId, store, ...statuses) as Row | undefined;
    return r ? this.fromRow(r) : null;
  }

  async list(scheme: string, status: CaseStatus | null, limit: number) {
    const rows = this.db
      .prepare(`SELECT * FROM review_cases WHERE scheme = ? AND (? IS NULL OR status = ?)
      ORDER BY opened_at, rowid LIMIT ?`)
      .all(scheme, status, status, limit) as Row[];
    return rows.map((r) => this.fromRow(r)).filter((c): c is StoredCase => c !== null);
  }

  async candidateIds(caseId: string) {
    return this.db
      .prepare('SELECT id FROM candidates WHERE case_id = ? ORDER BY captured_at DESC, rowid DESC')
      .pluck()
      .all(caseId) as string[];
  }

  async pendingIds(caseId: string) {
    return this.db
      .prepare("SELECT id FROM candidates WHERE case_id = ? AND status = 'pending' ORDER BY captured_at")
      .pluck()
      .all(caseId) as string[];
  }

  async open(c: NewCase, candidateId: string, at: string) {
    await this.writes.run(() => {
      this.db
        .prepare(`INSERT INTO review_cases (id, scheme, store, zone, subject_id, status, opened_at)
        VALUES (?, ?, ?, ?, ?, 'open', ?)`)
        .run(c.id, c.scheme, c.store, c.zone, c.subjectId, at);
      this.db.prepare('UPDATE candidates SET case_id = ? WHERE id = ?').run(c.id, candidateId);
    });
  }

  async attach(caseId: string, candidateId: string) {
    await this.writes.run(() =>
      this.db.prepare('UPDATE candidates SET case_id = ? WHERE id = ?').run(caseId, candidateId),
    );
  }

  async decide(
    id: string,
    from: CaseStatus,
    to: CaseStatus,
    by: string | null,
    at: string,
    reason: string | null,
    alertId: string | null,
  ) {
    return this.writes.run(
      () =>
        this.db
          .prepare(`UPDATE review_cases SET status = ?, decided_by = ?, decided_at = ?,
      reason = ?, alert_id = COALESCE(?, alert_id) WHERE id = ? AND status = ?`)
          .run(to, by, at, reason, alertId, id, from).changes === 1,
    );
  }

  async unassigned() {
    return this.db
      .prepare("SELECT id FROM candidates WHERE case_id IS NULL AND status = 'pending' ORDER BY received_at")
      .pluck()
      .all() as string[];
  }
}

/**
 * A review_cases row with the figures aggregated from its candidates (`agg`: n, pending, best,
 * first, last, cams as comma-separated camera ids) and its best candidate's id.
 */
export function caseFromRow(r: Row, agg: Row, best: string): StoredCase {
  return {
    id: r.id,
    scheme: r.scheme,
    store: r.store,
    zone: r.zone,
    subjectId: r.subject_id,
    status: r.status,
    sightings: agg.n,
    pending: agg.pending ?? 0,
    bestScore: agg.best,
    bestCandidateId: best,
    firstSeenAt: agg.first,
    lastSeenAt: agg.last,
    cameras: String(agg.cams ?? '')
      .split(',')
      .filter(Boolean)
      .sort(),
    alertId: r.alert_id,
    decidedBy: r.decided_by,
    decidedAt: r.decided_at,
    reason: r.reason,
  };
}
