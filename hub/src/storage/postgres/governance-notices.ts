import type { ExclusionInput } from '@shopwatch/protocols';
import type pg from 'pg';
import type { ExclusionEventInput, ExclusionPatch, VerdictRow } from '../governance-repository';
import { exclusionFromRow } from '../sqlite-governance-repository';
import type { Queryable } from './alert-queries';
import { inTransaction } from './pool';

type Row = pg.QueryResultRow;

const EVENT =
  'INSERT INTO exclusion_events (exclusion_id, at, by, kind, text, outcome) VALUES ($1, $2, $3, $4, $5, $6)';

/**
 * The exclusion notices, purge records and review statistics of the PostgreSQL governance store
 * (PgGovernanceRepository adds incidents, subjects and photos). Same statements as SQLite.
 */
export abstract class PgGovernanceNotices {
  constructor(protected pool: pg.Pool) {}

  // --- purges --------------------------------------------------------------------------------

  async addPurge(scheme: string, subjectId: string, version: number, reason: string, at: string) {
    await this.pool.query('INSERT INTO purges (scheme, subject_id, version, reason, at) VALUES ($1, $2, $3, $4, $5)', [
      scheme,
      subjectId,
      version,
      reason,
      at,
    ]);
  }

  async purges(scheme: string) {
    const { rows } = await this.pool.query(
      'SELECT subject_id, version, reason, at FROM purges WHERE scheme = $1 ORDER BY id DESC LIMIT 500',
      [scheme],
    );
    return rows.map((r) => ({ subjectId: r.subject_id, version: r.version, reason: r.reason, at: r.at }));
  }

  // --- exclusions ----------------------------------------------------------------------------

  async addExclusion(id: string, scheme: string, e: ExclusionInput, by: string, at: string) {
    await this.pool.query(
      `INSERT INTO exclusions (id, scheme, subject_id, stores, zones, starts_at, ends_at, decided_by,
        appeal_route, status, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'active', $10, $11)`,
      [
        id,
        scheme,
        e.subjectId,
        JSON.stringify(e.stores),
        JSON.stringify(e.zones),
        e.startsAt,
        e.endsAt,
        e.decidedBy,
        e.appealRoute,
        at,
        by,
      ],
    );
    return (await this.exclusion(id))!;
  }

  async exclusion(id: string) {
    const { rows } = await this.pool.query('SELECT * FROM exclusions WHERE id = $1', [id]);
    return rows[0] ? (await this.withEvents(rows))[0]! : null;
  }

  async exclusions(scheme: string, subjectId?: string) {
    const { rows } = await this.pool.query(
      'SELECT * FROM exclusions WHERE scheme = $1 AND ($2::text IS NULL OR subject_id = $2) ORDER BY starts_at DESC',
      [scheme, subjectId || null],
    );
    return this.withEvents(rows);
  }

  /** Notices with their events, read in one query for all of them. */
  private async withEvents(rows: Row[]) {
    const ids = rows.map((r) => r.id as string);
    const { rows: events } = await this.pool.query(
      'SELECT * FROM exclusion_events WHERE exclusion_id = ANY($1::text[]) ORDER BY seq',
      [ids],
    );
    return rows.map((r) =>
      exclusionFromRow(
        r,
        events.filter((e) => e.exclusion_id === r.id),
      ),
    );
  }

  async addExclusionEvent(id: string, e: ExclusionEventInput) {
    await insertEvent(this.pool, id, e);
  }

  async decideExclusion(id: string, e: ExclusionEventInput, patch: ExclusionPatch | null) {
    await inTransaction(this.pool, async (q) => {
      await insertEvent(q, id, e);
      if (!patch) return;
      // COALESCE keeps what the patch leaves out, in the one UPDATE (no read-modify-write race).
      await q.query(
        `UPDATE exclusions SET status = COALESCE($1, status), ends_at = COALESCE($2, ends_at),
        stores = COALESCE($3, stores), zones = COALESCE($4, zones) WHERE id = $5`,
        [
          patch.status ?? null,
          patch.endsAt ?? null,
          patch.stores ? JSON.stringify(patch.stores) : null,
          patch.zones ? JSON.stringify(patch.zones) : null,
          id,
        ],
      );
    });
  }

  // --- statistics ----------------------------------------------------------------------------

  async verdictRows(scheme: string, since: string) {
    const { rows } = await this.pool.query(
      `SELECT device_id, camera_id, store, subject_id, status, score, received_at FROM candidates
      WHERE scheme = $1 AND received_at >= $2`,
      [scheme, since],
    );
    return rows as VerdictRow[];
  }
}

function insertEvent(q: Queryable, id: string, e: ExclusionEventInput) {
  return q.query(EVENT, [id, e.at, e.by, e.kind, e.text, e.outcome]);
}
