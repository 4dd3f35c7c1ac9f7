import type { CandidateStatus, ClipReport, EvidenceFile, ReviewOrder } from '@shopwatch/protocols';
import type pg from 'pg';
import type { EvidenceRepository, NewCandidate, UploadReservation } from '../evidence-repository';
import {
  candidateFromRow,
  custodyFromRow,
  evidenceFileFromRow,
  fileRecordFromRow,
} from '../sqlite-evidence-repository';
import { withPgDomainErrors } from './domain-errors';
import { inTransaction } from './pool';

type Row = pg.QueryResultRow;

const METHODS = {
  addCandidate: 1,
  getCandidate: 1,
  listCandidates: 1,
  setClip: 1,
  bytesHeldPending: 1,
  reserveUpload: 1,
  renewUpload: 1,
  releaseUpload: 1,
  getFile: 1,
  setReceived: 1,
  markVerified: 1,
  recordVerified: 1,
  markDeleted: 1,
  custody: 1,
  custodyLog: 1,
  decide: 1,
  claim: 1,
  pendingOlderThan: 1,
  pendingForSubject: 1,
} satisfies Record<keyof EvidenceRepository, 1>;

const HELD_PENDING = `SELECT COALESCE(SUM(f.received), 0)::bigint AS n FROM evidence_files f
  JOIN candidates c ON c.id = f.candidate_id
  WHERE c.device_id = $1 AND c.status = 'pending' AND f.deleted_at IS NULL`;

const CUSTODY = 'INSERT INTO custody (candidate_id, name, at, actor, action, detail) VALUES ($1, $2, $3, $4, $5, $6)';

/**
 * Candidates, evidence files and the custody log on PostgreSQL. Same statements as the SQLite
 * store; a multi-row write (a candidate with its files and first custody entry) is one
 * transaction, and every write resolves after its COMMIT. `ord` (migration 10) stands in for
 * SQLite's rowid: files list in the order they were declared.
 */
export class PgEvidenceRepository implements EvidenceRepository {
  constructor(private pool: pg.Pool) {
    withPgDomainErrors<EvidenceRepository>(this, METHODS);
  }

  /** The files of many candidates in one query. */
  private async filesOf(ids: string[]): Promise<Map<string, EvidenceFile[]>> {
    const out = new Map<string, EvidenceFile[]>(ids.map((id) => [id, []]));
    if (!ids.length) return out;
    const { rows } = await this.pool.query(
      'SELECT * FROM evidence_files WHERE candidate_id = ANY($1::text[]) ORDER BY ord',
      [ids],
    );
    for (const f of rows) out.get(f.candidate_id)!.push(evidenceFileFromRow(f));
    return out;
  }

  private async withFiles(rows: Row[]) {
    const files = await this.filesOf(rows.map((r) => r.id));
    return rows.map((r) => candidateFromRow(r, files.get(r.id)!));
  }

  async addCandidate(c: NewCandidate) {
    const r = c.report;
    return inTransaction(this.pool, async (q) => {
      const res = await q.query(
        `INSERT INTO candidates (id, scheme, device_id, store, zone, camera_id, subject_id, template_version,
        score, distance, frames, first_seen_at, captured_at, clock_offset_ms, box, received_at, status,
        frame_width, frame_height)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, 'pending', $17, $18)
        ON CONFLICT (id) DO NOTHING`,
        [
          r.candidateId,
          c.scheme,
          c.deviceId,
          c.store,
          c.zone,
          r.cameraId,
          r.subjectId,
          r.templateVersion,
          r.score,
          r.distance,
          r.frames,
          r.firstSeenAt,
          r.capturedAt,
          r.clockOffsetMs,
          JSON.stringify(r.box),
          c.receivedAt,
          r.frame.width,
          r.frame.height,
        ],
      );
      if (res.rowCount === 0) return false;
      // The report declares its two pictures: only these names, sizes and hashes are taken as uploads.
      const file = `INSERT INTO evidence_files (candidate_id, name, kind, sha256, bytes) VALUES ($1, $2, $3, $4, $5)
        ON CONFLICT DO NOTHING`;
      await q.query(file, [r.candidateId, r.crop.file, 'crop', r.crop.sha256, r.crop.bytes]);
      await q.query(file, [r.candidateId, r.frame.file, 'frame', r.frame.sha256, r.frame.bytes]);
      const detail = {
        capturedAt: r.capturedAt,
        clockOffsetMs: r.clockOffsetMs,
        crop: r.crop.sha256,
        frame: r.frame.sha256,
      };
      await q.query(CUSTODY, [
        r.candidateId,
        null,
        c.receivedAt,
        `device:${c.deviceId}`,
        'reported',
        JSON.stringify(detail),
      ]);
      return true;
    });
  }

  async getCandidate(id: string) {
    const { rows } = await this.pool.query('SELECT * FROM candidates WHERE id = $1', [id]);
    return rows[0] ? (await this.withFiles(rows))[0]! : null;
  }

  /** One order for every status (documented in protocols): by hub arrival, oldest first unless asked. */
  async listCandidates(scheme: string, status: CandidateStatus | null, limit: number, order: ReviewOrder = 'oldest') {
    const dir = order === 'newest' ? 'DESC' : 'ASC';
    const { rows } = await this.pool.query(
      `SELECT * FROM candidates WHERE scheme = $1 AND ($2::text IS NULL OR status = $2)
      ORDER BY received_at ${dir}, id ${dir} LIMIT $3`,
      [scheme, status, limit],
    );
    return this.withFiles(rows);
  }

  async setClip(candidateId: string, clip: ClipReport) {
    await inTransaction(this.pool, async (q) => {
      await q.query('UPDATE candidates SET clip = $1 WHERE id = $2', [JSON.stringify(clip), candidateId]);
      if (!clip.file) return;
      await q.query(
        `INSERT INTO evidence_files (candidate_id, name, kind, sha256, bytes) VALUES ($1, $2, 'clip', $3, $4)
        ON CONFLICT DO NOTHING`,
        [candidateId, clip.file, clip.sha256, clip.bytes],
      );
    });
  }

  async bytesHeldPending(deviceId: string) {
    const { rows } = await this.pool.query(HELD_PENDING, [deviceId]);
    return Number(rows[0].n);
  }

  /**
   * Replicas reserve at the same moment: a per-device advisory lock makes check-and-insert one
   * step (READ COMMITTED alone would let two transactions read the same sum and both insert).
   */
  async reserveUpload(r: UploadReservation) {
    return inTransaction(this.pool, async (c) => {
      await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`upload-quota:${r.deviceId}`]);
      await c.query('DELETE FROM upload_reservations WHERE device_id = $1 AND expires_at <= $2', [r.deviceId, r.now]);
      const pending = Number((await c.query(HELD_PENDING, [r.deviceId])).rows[0].n);
      const reserved = await c.query(
        'SELECT COALESCE(SUM(bytes), 0)::bigint AS n FROM upload_reservations WHERE device_id = $1',
        [r.deviceId],
      );
      const held = pending + Number(reserved.rows[0].n);
      if (r.quota !== null && held + r.bytes > r.quota) return { ok: false, held };
      await c.query('INSERT INTO upload_reservations (id, device_id, bytes, expires_at) VALUES ($1, $2, $3, $4)', [
        r.id,
        r.deviceId,
        r.bytes,
        r.until,
      ]);
      return { ok: true, held };
    });
  }

  async renewUpload(id: string, until: string) {
    const res = await this.pool.query('UPDATE upload_reservations SET expires_at = $1 WHERE id = $2', [until, id]);
    return (res.rowCount ?? 0) > 0;
  }

  async releaseUpload(id: string) {
    await this.pool.query('DELETE FROM upload_reservations WHERE id = $1', [id]);
  }

  async getFile(candidateId: string, name: string) {
    const { rows } = await this.pool.query('SELECT * FROM evidence_files WHERE candidate_id = $1 AND name = $2', [
      candidateId,
      name,
    ]);
    return rows[0] ? fileRecordFromRow(rows[0]) : null;
  }

  async setReceived(candidateId: string, name: string, received: number) {
    await this.setFile('received', candidateId, name, received);
  }

  async markVerified(candidateId: string, name: string, at: string) {
    await this.setFile('verified_at', candidateId, name, at);
  }

  async recordVerified(candidateId: string, name: string, at: string, actor: string, detail: unknown) {
    // One transaction: a file is never seen verified without its 'received' custody entry.
    await inTransaction(this.pool, async (q) => {
      await q.query('UPDATE evidence_files SET verified_at = $1 WHERE candidate_id = $2 AND name = $3', [
        at,
        candidateId,
        name,
      ]);
      await q.query(CUSTODY, [
        candidateId,
        name,
        new Date().toISOString(),
        actor,
        'received',
        detail === undefined ? null : JSON.stringify(detail),
      ]);
    });
  }

  async markDeleted(candidateId: string, name: string, at: string) {
    await this.setFile('deleted_at', candidateId, name, at);
  }

  private async setFile(column: 'received' | 'verified_at' | 'deleted_at', id: string, name: string, v: unknown) {
    await this.pool.query(`UPDATE evidence_files SET ${column} = $1 WHERE candidate_id = $2 AND name = $3`, [
      v,
      id,
      name,
    ]);
  }

  async custody(candidateId: string, name: string | null, actor: string, action: string, detail?: unknown) {
    const at = new Date().toISOString();
    await this.pool.query(CUSTODY, [
      candidateId,
      name,
      at,
      actor,
      action,
      detail === undefined ? null : JSON.stringify(detail),
    ]);
  }

  async custodyLog(candidateId: string) {
    const { rows } = await this.pool.query('SELECT * FROM custody WHERE candidate_id = $1 ORDER BY seq', [candidateId]);
    return rows.map(custodyFromRow);
  }

  async decide(
    id: string,
    from: CandidateStatus,
    to: CandidateStatus,
    by: string | null,
    at: string,
    reason: string,
    alertId: string | null,
  ) {
    const r = await this.pool.query(
      `UPDATE candidates SET status = $1, decided_by = $2, decided_at = $3, reason = $4, alert_id = $5,
      claimed_by = NULL, claimed_until = NULL WHERE id = $6 AND status = $7`,
      [to, by, at, reason, alertId, id, from],
    );
    return r.rowCount === 1;
  }

  async claim(id: string, by: string, until: string, now: string) {
    const r = await this.pool.query(
      `UPDATE candidates SET claimed_by = $1, claimed_until = $2 WHERE id = $3 AND status = 'pending'
      AND (claimed_by IS NULL OR claimed_by = $1 OR claimed_until < $4)`,
      [by, until, id, now],
    );
    return r.rowCount === 1;
  }

  async pendingForSubject(subjectId: string) {
    const sql = "SELECT id FROM candidates WHERE status = 'pending' AND subject_id = $1";
    return (await this.pool.query(sql, [subjectId])).rows.map((r) => r.id as string);
  }

  async pendingOlderThan(cutoff: string) {
    const sql = "SELECT id FROM candidates WHERE status = 'pending' AND received_at < $1 ORDER BY received_at";
    return (await this.pool.query(sql, [cutoff])).rows.map((r) => r.id as string);
  }
}
