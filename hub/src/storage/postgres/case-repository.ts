import type { CaseStatus } from '@shopwatch/protocols';
import type pg from 'pg';
import type { CaseRepository, NewCase, StoredCase } from '../case-repository';
import { caseFromRow } from '../sqlite-case-repository';
import { withPgDomainErrors } from './domain-errors';
import { inTransaction } from './pool';

type Row = pg.QueryResultRow;

const METHODS = {
  get: 1,
  latest: 1,
  list: 1,
  candidateIds: 1,
  pendingIds: 1,
  open: 1,
  attach: 1,
  decide: 1,
  unassigned: 1,
} satisfies Record<keyof CaseRepository, 1>;

/**
 * Review cases with their figures aggregated from the candidates in the same query (the columns
 * SQLite's mapper reads: n, pending, best, first, last, cams, and the best candidate's id).
 */
const CASES = `SELECT rc.*, agg.*, top.id AS best_id FROM review_cases rc
  CROSS JOIN LATERAL (
    SELECT COUNT(*) AS n, COUNT(*) FILTER (WHERE status = 'pending') AS pending, MAX(score) AS best,
      MIN(captured_at) AS first, MAX(captured_at) AS last, string_agg(DISTINCT camera_id, ',') AS cams
    FROM candidates WHERE case_id = rc.id) agg
  LEFT JOIN LATERAL (
    SELECT id FROM candidates WHERE case_id = rc.id ORDER BY score DESC, captured_at LIMIT 1) top ON TRUE`;

/** Review cases on PostgreSQL; `ord` (migration 10) stands in for SQLite's rowid as the tie-break. */
export class PgCaseRepository implements CaseRepository {
  constructor(private pool: pg.Pool) {
    withPgDomainErrors<CaseRepository>(this, METHODS);
  }

  /** A case without candidates is not shown, as on SQLite. */
  private cases(rows: Row[]): StoredCase[] {
    return rows.filter((r) => r.n > 0).map((r) => caseFromRow(r, r, r.best_id));
  }

  async get(id: string) {
    const { rows } = await this.pool.query(`${CASES} WHERE rc.id = $1`, [id]);
    return this.cases(rows)[0] ?? null;
  }

  async latest(scheme: string, subjectId: string, store: string | null, statuses: CaseStatus[]) {
    const { rows } = await this.pool.query(
      `SELECT id FROM review_cases WHERE scheme = $1 AND subject_id = $2 AND store IS NOT DISTINCT FROM $3
      AND status = ANY($4::text[]) ORDER BY opened_at DESC, ord DESC LIMIT 1`,
      [scheme, subjectId, store, statuses],
    );
    return rows[0] ? this.get(rows[0].id) : null;
  }

  async list(scheme: string, status: CaseStatus | null, limit: number) {
    const { rows } = await this.pool.query(
      `${CASES} WHERE rc.scheme = $1 AND ($2::text IS NULL OR rc.status = $2) ORDER BY rc.opened_at, rc.ord LIMIT $3`,
      [scheme, status, limit],
    );
    return this.cases(rows);
  }

  async candidateIds(caseId: string) {
    const sql = 'SELECT id FROM candidates WHERE case_id = $1 ORDER BY captured_at DESC, ord DESC';
    return (await this.pool.query(sql, [caseId])).rows.map((r) => r.id as string);
  }

  async pendingIds(caseId: string) {
    const sql = "SELECT id FROM candidates WHERE case_id = $1 AND status = 'pending' ORDER BY captured_at, ord";
    return (await this.pool.query(sql, [caseId])).rows.map((r) => r.id as string);
  }

  async open(c: NewCase, candidateId: string, at: string) {
    await inTransaction(this.pool, async (q) => {
      await q.query(
        `INSERT INTO review_cases (id, scheme, store, zone, subject_id, status, opened_at)
        VALUES ($1, $2, $3, $4, $5, 'open', $6)`,
        [c.id, c.scheme, c.store, c.zone, c.subjectId, at],
      );
      await q.query('UPDATE candidates SET case_id = $1 WHERE id = $2', [c.id, candidateId]);
    });
  }

  async attach(caseId: string, candidateId: string) {
    await this.pool.query('UPDATE candidates SET case_id = $1 WHERE id = $2', [caseId, candidateId]);
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
    const r = await this.pool.query(
      `UPDATE review_cases SET status = $1, decided_by = $2, decided_at = $3, reason = $4,
      alert_id = COALESCE($5, alert_id) WHERE id = $6 AND status = $7`,
      [to, by, at, reason, alertId, id, from],
    );
    return r.rowCount === 1;
  }

  async unassigned() {
    const sql = "SELECT id FROM candidates WHERE case_id IS NULL AND status = 'pending' ORDER BY received_at";
    return (await this.pool.query(sql)).rows.map((r) => r.id as string);
  }
}
