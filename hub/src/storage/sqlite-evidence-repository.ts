import type { CandidateStatus, ClipReport, EvidenceFile, ReviewCandidate, ReviewOrder } from '@shopwatch/protocols';
import type { EvidenceRepository, FileRecord, NewCandidate, UploadReservation } from './evidence-repository';
import { type GroupCommit, groupCommitFor } from './group-commit';
import type { Db, SqlRow } from './sqlite';

type Row = SqlRow;

/** The SQLite evidence store; writes share the database's group commit. */
export class SqliteEvidenceRepository implements EvidenceRepository {
  private writes: GroupCommit;
  constructor(private db: Db) {
    this.writes = groupCommitFor(db);
  }

  private files(candidateId: string): EvidenceFile[] {
    const sql = 'SELECT * FROM evidence_files WHERE candidate_id = ? ORDER BY rowid';
    return (this.db.prepare(sql).all(candidateId) as Row[]).map(evidenceFileFromRow);
  }

  private fromRow(r: Row): Omit<ReviewCandidate, 'subjectAlias'> {
    return candidateFromRow(r, this.files(r.id));
  }

  async addCandidate(c: NewCandidate) {
    const r = c.report;
    return this.writes.run(() => {
      const res = this.db
        .prepare(`INSERT INTO candidates (id, scheme, device_id, store, zone, camera_id, subject_id, template_version,
        score, distance, frames, first_seen_at, captured_at, clock_offset_ms, box, received_at, status,
        frame_width, frame_height)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?) ON CONFLICT (id) DO NOTHING`)
        .run(
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
        );
      if (res.changes === 0) return false;
      // The report declares its two pictures: only these names, sizes and hashes are taken as uploads.
      const file = this.db.prepare(`INSERT OR IGNORE INTO evidence_files (candidate_id, name, kind, sha256, bytes)
        VALUES (?, ?, ?, ?, ?)`);
      file.run(r.candidateId, r.crop.file, 'crop', r.crop.sha256, r.crop.bytes);
      file.run(r.candidateId, r.frame.file, 'frame', r.frame.sha256, r.frame.bytes);
      this.db
        .prepare(
          "INSERT INTO custody (candidate_id, name, at, actor, action, detail) VALUES (?, NULL, ?, ?, 'reported', ?)",
        )
        .run(
          r.candidateId,
          c.receivedAt,
          `device:${c.deviceId}`,
          JSON.stringify({
            capturedAt: r.capturedAt,
            clockOffsetMs: r.clockOffsetMs,
            crop: r.crop.sha256,
            frame: r.frame.sha256,
          }),
        );
      return true;
    });
  }

  async getCandidate(id: string) {
    const r = this.db.prepare('SELECT * FROM candidates WHERE id = ?').get(id) as Row | undefined;
    return r ? this.fromRow(r) : null;
  }

  /** One order for every status (documented in protocols): by hub arrival, oldest first unless asked. */
  async listCandidates(scheme: string, status: CandidateStatus | null, limit: number, order: ReviewOrder = 'oldest') {
    const dir = order === 'newest' ? 'DESC' : 'ASC';
    const rows = this.db
      .prepare(`SELECT * FROM candidates WHERE scheme = ? AND (? IS NULL OR status = ?)
      ORDER BY received_at ${dir}, id ${dir} LIMIT ?`)
      .all(scheme, status, status, limit);
    return (rows as Row[]).map((r) => this.fromRow(r));
  }

  async setClip(candidateId: string, clip: ClipReport) {
    await this.writes.run(() => {
      this.db.prepare('UPDATE candidates SET clip = ? WHERE id = ?').run(JSON.stringify(clip), candidateId);
      if (!clip.file) return;
      this.db
        .prepare(`INSERT INTO evidence_files (candidate_id, name, kind, sha256, bytes) VALUES (?, ?, 'clip', ?, ?)
        ON CONFLICT DO NOTHING`)
        .run(candidateId, clip.file, clip.sha256, clip.bytes);
    });
  }

  async bytesHeldPending(deviceId: string) {
    return this.heldPending(deviceId);
  }

  private heldPending(deviceId: string): number {
    return (
      (this.db
        .prepare(`SELECT COALESCE(SUM(f.received), 0) FROM evidence_files f
      JOIN candidates c ON c.id = f.candidate_id
      WHERE c.device_id = ? AND c.status = 'pending' AND f.deleted_at IS NULL`)
        .pluck()
        .get(deviceId) as number) ?? 0
    );
  }

  /** One writer on SQLite: the check and the insert share a savepoint of the group commit. */
  async reserveUpload(r: UploadReservation) {
    return this.writes.run(() => {
      this.db.prepare('DELETE FROM upload_reservations WHERE device_id = ? AND expires_at <= ?').run(r.deviceId, r.now);
      const reserved = this.db
        .prepare('SELECT COALESCE(SUM(bytes), 0) FROM upload_reservations WHERE device_id = ?')
        .pluck()
        .get(r.deviceId) as number;
      const held = this.heldPending(r.deviceId) + reserved;
      if (r.quota !== null && held + r.bytes > r.quota) return { ok: false, held };
      this.db
        .prepare('INSERT INTO upload_reservations (id, device_id, bytes, expires_at) VALUES (?, ?, ?, ?)')
        .run(r.id, r.deviceId, r.bytes, r.until);
      return { ok: true, held };
    });
  }

  async renewUpload(id: string, until: string) {
    const sql = 'UPDATE upload_reservations SET expires_at = ? WHERE id = ?';
    return this.writes.run(() => this.db.prepare(sql).run(until, id).changes > 0);
  }

  async releaseUpload(id: string) {
    await this.writes.run(() => this.db.prepare('DELETE FROM upload_reservations WHERE id = ?').run(id));
  }

  async getFile(candidateId: string, name: string): Promise<FileRecord | null> {
    const f = this.db
      .prepare('SELECT * FROM evidence_files WHERE candidate_id = ? AND name = ?')
      .get(candidateId, name) as Row | undefined;
    return f ? fileRecordFromRow(f) : null;
  }

  async setReceived(candidateId: string, name: string, received: number) {
    this.db
      .prepare('UPDATE evidence_files SET received = ? WHERE candidate_id = ? AND name = ?')
      .run(received, candidateId, name);
  }

  async markVerified(candidateId: string, name: string, at: string) {
    await this.writes.run(() =>
      this.db
        .prepare('UPDATE evidence_files SET verified_at = ? WHERE candidate_id = ? AND name = ?')
        .run(at, candidateId, name),
    );
  }

  async markDeleted(candidateId: string, name: string, at: string) {
    await this.writes.run(() =>
      this.db
        .prepare('UPDATE evidence_files SET deleted_at = ? WHERE candidate_id = ? AND name = ?')
        .run(at, candidateId, name),
    );
  }

  async recordVerified(candidateId: string, name: string, at: string, actor: string, detail: unknown) {
    // One write of the group commit is one savepoint: both rows land together or not at all.
    await this.writes.run(() => {
      this.db
        .prepare('UPDATE evidence_files SET verified_at = ? WHERE candidate_id = ? AND name = ?')
        .run(at, candidateId, name);
      this.appendCustody(candidateId, name, actor, 'received', detail);
    });
  }

  async custody(candidateId: string, name: string | null, actor: string, action: string, detail?: unknown) {
    await this.writes.run(() => this.appendCustody(candidateId, name, actor, action, detail));
  }

  private appendCustody(candidateId: string, name: string | null, actor: string, action: string, detail?: unknown) {
    this.db
      .prepare('INSERT INTO custody (candidate_id, name, at, actor, action, detail) VALUES (?, ?, ?, ?, ?, ?)')
      .run(
        candidateId,
        name,
        new Date().toISOString(),
        actor,
        action,
        detail === undefined ? null : JSON.stringify(detail),
      );
  }

  async custodyLog(candidateId: string) {
    const rows = this.db.prepare('SELECT * FROM custody WHERE candidate_id = ? ORDER BY seq').all(candidateId);
    return (rows as Row[]).map(custodyFromRow);
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
    return this.writes.run(
      () =>
        this.db
          .prepare(`UPDATE candidates SET status = ?, decided_by = ?, decided_at = ?, reason = ?, alert_id = ?,
        claimed_by = NULL, claimed_until = NULL
        WHERE id = ? AND status = ?`)
          .run(to, by, at, reason, alertId, id, from).changes === 1,
    );
  }

  async claim(id: string, by: string, until: string, now: string) {
    return this.writes.run(
      () =>
        this.db
          .prepare(`UPDATE candidates SET claimed_by = ?, claimed_until = ? WHERE id = ? AND status = 'pending'
        AND (claimed_by IS NULL OR claimed_by = ? OR claimed_until < ?)`)
          .run(by, until, id, by, now).changes === 1,
    );
  }

  async pendingForSubject(subjectId: string) {
    return this.db
      .prepare("SELECT id FROM candidates WHERE status = 'pending' AND subject_id = ?")
      .pluck()
      .all(subjectId) as string[];
  }

  async pendingOlderThan(cutoff: string) {
    return this.db
      .prepare("SELECT id FROM candidates WHERE status = 'pending' AND received_at < ? ORDER BY received_at")
      .pluck()
      .all(cutoff) as string[];
  }
}

const FILE_TYPES: Record<EvidenceFile['kind'], EvidenceFile['type']> = {
  crop: 'image/jpeg',
  frame: 'image/jpeg',
  clip: 'video/mp4',
};

/** What the console shows about the clip: on its way, ready to play, none, or deleted. */
function clipState(
  status: CandidateStatus,
  clip: ClipReport | null,
  files: EvidenceFile[],
): ReviewCandidate['clipState'] {
  const f = files.find((x) => x.kind === 'clip');
  if (f?.deleted || status === 'rejected' || status === 'expired') return f || !clip?.error ? 'deleted' : 'none';
  if (f?.verified) return 'ready';
  if (!f && clip?.error) return 'none';
  return 'arriving';
}

/** A candidate row and its files as the review API shows them (both engines' rows). */
export function candidateFromRow(r: Row, files: EvidenceFile[]): Omit<ReviewCandidate, 'subjectAlias'> {
  const clip = r.clip ? (JSON.parse(r.clip) as ClipReport) : null;
  return {
    id: r.id,
    scheme: r.scheme,
    deviceId: r.device_id,
    store: r.store,
    zone: r.zone,
    cameraId: r.camera_id,
    subjectId: r.subject_id,
    score: r.score,
    distance: r.distance,
    frames: r.frames,
    firstSeenAt: r.first_seen_at,
    capturedAt: r.captured_at,
    receivedAt: r.received_at,
    clockOffsetMs: r.clock_offset_ms,
    box: JSON.parse(r.box),
    frameWidth: r.frame_width ?? null,
    frameHeight: r.frame_height ?? null,
    status: r.status,
    files,
    clip: clip
      ? {
          durationSeconds: clip.durationSeconds ?? null,
          codec: clip.codec ?? null,
          complete: clip.complete ?? null,
          error: clip.error ?? null,
        }
      : null,
    clipState: clipState(r.status, clip, files),
    claimedBy: r.claimed_by,
    claimedUntil: r.claimed_until,
    decidedBy: r.decided_by,
    decidedAt: r.decided_at,
    reason: r.reason,
    alertId: r.alert_id,
    caseId: r.case_id ?? null,
  };
}

/** An evidence_files row as the review API shows it. */
export function evidenceFileFromRow(f: Row): EvidenceFile {
  return {
    name: f.name,
    kind: f.kind,
    type: FILE_TYPES[f.kind as EvidenceFile['kind']],
    sha256: f.sha256,
    bytes: f.bytes,
    verified: f.verified_at !== null,
    deleted: f.deleted_at !== null,
  };
}

/** An evidence_files row as the upload path reads it. */
export function fileRecordFromRow(f: Row): FileRecord {
  return {
    candidateId: f.candidate_id,
    name: f.name,
    kind: f.kind,
    sha256: f.sha256,
    bytes: f.bytes,
    received: f.received,
    verifiedAt: f.verified_at,
    deletedAt: f.deleted_at,
  };
}

/** A custody row: detail is JSON text on both engines. */
export function custodyFromRow(r: Row) {
  return {
    seq: r.seq as number,
    name: r.name as string | null,
    at: r.at as string,
    actor: r.actor as string,
    action: r.action as string,
    detail: r.detail ? (JSON.parse(r.detail) as unknown) : null,
  };
}
