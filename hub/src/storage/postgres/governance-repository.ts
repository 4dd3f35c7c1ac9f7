import type { IncidentInput, PhotoInfo, SubjectInput } from '@shopwatch/protocols';
import type pg from 'pg';
import type { GovernanceRepository, NewPhoto, StoredSubject } from '../governance-repository';
import { incidentFromRow, photoFromRow, subjectFromRow } from '../sqlite-governance-repository';
import type { Queryable } from './alert-queries';
import { withPgDomainErrors } from './domain-errors';
import { PgGovernanceNotices } from './governance-notices';
import { inTransaction } from './pool';

type Row = pg.QueryResultRow;

const METHODS = {
  addIncident: 1,
  incident: 1,
  incidents: 1,
  incidentsOf: 1,
  addSubject: 1,
  linkIncident: 1,
  subject: 1,
  subjects: 1,
  alias: 1,
  isActive: 1,
  endSubject: 1,
  dueForExpiry: 1,
  addPhoto: 1,
  photos: 1,
  addPurge: 1,
  purges: 1,
  addExclusion: 1,
  exclusion: 1,
  exclusions: 1,
  addExclusionEvent: 1,
  decideExclusion: 1,
  verdictRows: 1,
} satisfies Record<keyof GovernanceRepository, 1>;

const LINK = `INSERT INTO subject_incidents (subject_id, incident_id, linked_at) VALUES ($1, $2, $3)
  ON CONFLICT DO NOTHING`;

/**
 * Incidents, gallery subjects and photos on PostgreSQL (notices, purges and statistics in
 * PgGovernanceNotices). Each method that changes several rows is one transaction, as on SQLite.
 */
export class PgGovernanceRepository extends PgGovernanceNotices implements GovernanceRepository {
  constructor(pool: pg.Pool) {
    super(pool);
    withPgDomainErrors<GovernanceRepository>(this, METHODS);
  }

  // --- incidents -----------------------------------------------------------------------------

  async addIncident(id: string, scheme: string, store: string | null, i: IncidentInput, reporter: string, at: string) {
    await this.pool.query(
      `INSERT INTO incidents (id, scheme, store, type, occurred_at, description, value_pence, statement,
        alert_id, evidence_ids, reporter, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
      [
        id,
        scheme,
        store,
        i.type,
        i.occurredAt,
        i.description,
        i.valuePence ?? null,
        i.statement ?? null,
        i.alertId ?? null,
        JSON.stringify(i.evidenceIds ?? []),
        reporter,
        at,
      ],
    );
    return (await this.incident(id))!;
  }

  async incident(id: string) {
    const { rows } = await this.pool.query('SELECT * FROM incidents WHERE id = $1', [id]);
    return rows[0] ? incidentFromRow(rows[0]) : null;
  }

  async incidents(scheme: string, store: string | null, limit: number) {
    const { rows } = await this.pool.query(
      `SELECT * FROM incidents WHERE scheme = $1 AND ($2::text IS NULL OR store = $2)
      ORDER BY occurred_at DESC LIMIT $3`,
      [scheme, store || null, limit],
    );
    return rows.map(incidentFromRow);
  }

  async incidentsOf(subjectId: string) {
    const { rows } = await this.pool.query(
      `SELECT i.* FROM incidents i JOIN subject_incidents s ON s.incident_id = i.id
      WHERE s.subject_id = $1 ORDER BY i.occurred_at`,
      [subjectId],
    );
    return rows.map(incidentFromRow);
  }

  // --- subjects ------------------------------------------------------------------------------

  async addSubject(id: string, scheme: string, s: SubjectInput, by: string, at: string, expiresAt: string) {
    await inTransaction(this.pool, async (q) => {
      await q.query(
        `INSERT INTO subjects (id, scheme, alias, status, reason, notes, enrolled_by, enrolled_at, expires_at, state)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'active')`,
        [id, scheme, s.alias, s.status, s.reason, s.notes ?? null, by, at, expiresAt],
      );
      for (const inc of s.incidentIds) await q.query(LINK, [id, inc, at]);
    });
  }

  async linkIncident(subjectId: string, incidentId: string, at: string, expiresAt: string) {
    await inTransaction(this.pool, async (q) => {
      await q.query(LINK, [subjectId, incidentId, at]);
      // Renewal only ever extends an active entry.
      await q.query("UPDATE subjects SET expires_at = $1 WHERE id = $2 AND state = 'active' AND expires_at < $1", [
        expiresAt,
        subjectId,
      ]);
    });
  }

  async subject(id: string) {
    const { rows } = await this.pool.query('SELECT * FROM subjects WHERE id = $1', [id]);
    return rows[0] ? (await this.withLinks(rows))[0]! : null;
  }

  async subjects(scheme: string, state: StoredSubject['state'] | null) {
    const { rows } = await this.pool.query(
      'SELECT * FROM subjects WHERE scheme = $1 AND ($2::text IS NULL OR state = $2) ORDER BY alias',
      [scheme, state || null],
    );
    return this.withLinks(rows);
  }

  /** Subjects with their incident links and photos: two queries for any number of subjects. */
  private async withLinks(rows: Row[]): Promise<StoredSubject[]> {
    const ids = rows.map((r) => r.id as string);
    const links = await this.pool.query(
      'SELECT subject_id, incident_id FROM subject_incidents WHERE subject_id = ANY($1::text[]) ORDER BY linked_at',
      [ids],
    );
    const photos = await photosOf(this.pool, ids);
    return rows.map((r) =>
      subjectFromRow(
        r,
        links.rows.filter((l) => l.subject_id === r.id).map((l) => l.incident_id as string),
        photos.get(r.id) ?? [],
      ),
    );
  }

  async alias(scheme: string, id: string) {
    const { rows } = await this.pool.query('SELECT alias FROM subjects WHERE id = $1 AND scheme = $2', [id, scheme]);
    return (rows[0]?.alias as string | undefined) ?? null;
  }

  async isActive(scheme: string, id: string) {
    const sql = "SELECT 1 FROM subjects WHERE id = $1 AND scheme = $2 AND state = 'active' AND expires_at > $3";
    return ((await this.pool.query(sql, [id, scheme, new Date().toISOString()])).rowCount ?? 0) > 0;
  }

  async endSubject(id: string, state: 'expired' | 'removed', at: string, reason: string) {
    return inTransaction(this.pool, async (q) => {
      const r = await q.query(
        "UPDATE subjects SET state = $1, ended_at = $2, ended_reason = $3 WHERE id = $4 AND state = 'active'",
        [state, at, reason, id],
      );
      await q.query('UPDATE photos SET deleted_at = $1 WHERE subject_id = $2 AND deleted_at IS NULL', [at, id]);
      return r.rowCount === 1;
    });
  }

  async dueForExpiry(now: string) {
    const sql = "SELECT id, scheme FROM subjects WHERE state = 'active' AND expires_at <= $1";
    return (await this.pool.query(sql, [now])).rows as { id: string; scheme: string }[];
  }

  // --- photos --------------------------------------------------------------------------------

  async addPhoto(p: NewPhoto) {
    await this.pool.query(
      `INSERT INTO photos (id, subject_id, sha256, bytes, width, height, source, face, created_at, created_by)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
        p.id,
        p.subjectId,
        p.sha256,
        p.bytes,
        p.width,
        p.height,
        p.source,
        JSON.stringify(p.face),
        p.createdAt,
        p.createdBy,
      ],
    );
  }

  async photos(subjectId: string) {
    return (await photosOf(this.pool, [subjectId])).get(subjectId) ?? [];
  }
}

async function photosOf(q: Queryable, subjectIds: string[]): Promise<Map<string, PhotoInfo[]>> {
  const out = new Map<string, PhotoInfo[]>();
  const { rows } = await q.query('SELECT * FROM photos WHERE subject_id = ANY($1::text[]) ORDER BY created_at', [
    subjectIds,
  ]);
  for (const p of rows) out.set(p.subject_id, [...(out.get(p.subject_id) ?? []), photoFromRow(p)]);
  return out;
}
