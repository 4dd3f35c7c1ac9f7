import type { Exclusion, ExclusionInput, Incident, IncidentInput, PhotoInfo, SubjectInput } from '@shopwatch/protocols';
import type {
  ExclusionEventInput,
  ExclusionPatch,
  GovernanceRepository,
  NewPhoto,
  StoredSubject,
  VerdictRow,
} from './governance-repository';
import { mapped } from './sqlite-errors';
import type { Db, SqlRow } from './sqlite';

type Row = SqlRow;

/**
 * The SQLite governance store. better-sqlite3 is synchronous: each write commits (and is on
 * disk, synchronous=FULL) before the returned promise resolves; methods that change several
 * rows run them in one `db.transaction`.
 */
export class SqliteGovernanceRepository implements GovernanceRepository {
  constructor(private db: Db) {}

  // --- incidents -----------------------------------------------------------------------------

  async addIncident(id: string, scheme: string, store: string | null, i: IncidentInput, reporter: string, at: string) {
    mapped(() =>
      this.db
        .prepare(`INSERT INTO incidents (id, scheme, store, type, occurred_at, description, value_pence, statement,
          alert_id, evidence_ids, reporter, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
        .run(
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
        ),
    );
    return (await this.incident(id))!;
  }

  async incident(id: string) {
    const r = this.db.prepare('SELECT * FROM incidents WHERE id = ?').get(id) as Row | undefined;
    return r ? incidentFromRow(r) : null;
  }

  async incidents(scheme: string, store: string | null, limit: number) {
    const rows = this.db
      .prepare(
        'SELECT * FROM incidents WHERE scheme = ? AND (? IS NULL OR store = ?) ORDER BY occurred_at DESC LIMIT ?',
      )
      .all(scheme, store || null, store || null, limit) as Row[];
    return rows.map(incidentFromRow);
  }

  async incidentsOf(subjectId: string) {
    const rows = this.db
      .prepare(`SELECT i.* FROM incidents i JOIN subject_incidents s ON s.incident_id = i.id
        WHERE s.subject_id = ? ORDER BY i.occurred_at`)
      .all(subjectId) as Row[];
    return rows.map(incidentFromRow);
  }

  // --- subjects ------------------------------------------------------------------------------

  async addSubject(id: string, scheme: string, s: SubjectInput, by: string, at: string, expiresAt: string) {
    mapped(() =>
      this.db.transaction(() => {
        this.db
          .prepare(`INSERT INTO subjects (id, scheme, alias, status, reason, notes, enrolled_by, enrolled_at,
            expires_at, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'active')`)
          .run(id, scheme, s.alias, s.status, s.reason, s.notes ?? null, by, at, expiresAt);
        for (const inc of s.incidentIds) this.link(id, inc, at);
      })(),
    );
  }

  private link(subjectId: string, incidentId: string, at: string) {
    this.db
      .prepare('INSERT OR IGNORE INTO subject_incidents (subject_id, incident_id, linked_at) VALUES (?, ?, ?)')
      .run(subjectId, incidentId, at);
  }

  async linkIncident(subjectId: string, incidentId: string, at: string, expiresAt: string) {
    mapped(() =>
      this.db.transaction(() => {
        this.link(subjectId, incidentId, at);
        // Renewal only ever extends an active entry.
        this.db
          .prepare("UPDATE subjects SET expires_at = ? WHERE id = ? AND state = 'active' AND expires_at < ?")
          .run(expiresAt, subjectId, expiresAt);
      })(),
    );
  }

  async subject(id: string) {
    const r = this.db.prepare('SELECT * FROM subjects WHERE id = ?').get(id) as Row | undefined;
    return r ? this.subjectFromRow(r) : null;
  }

  async subjects(scheme: string, state: StoredSubject['state'] | null) {
    const rows = this.db
      .prepare('SELECT * FROM subjects WHERE scheme = ? AND (? IS NULL OR state = ?) ORDER BY alias')
      .all(scheme, state || null, state || null) as Row[];
    return rows.map((r) => this.subjectFromRow(r));
  }

  async alias(scheme: string, id: string) {
    const alias = this.db.prepare('SELECT alias FROM subjects WHERE id = ? AND scheme = ?').pluck().get(id, scheme);
    return (alias as string | undefined) ?? null;
  }

  async isActive(scheme: string, id: string) {
    const sql = "SELECT 1 FROM subjects WHERE id = ? AND scheme = ? AND state = 'active' AND expires_at > ?";
    return this.db.prepare(sql).get(id, scheme, new Date().toISOString()) !== undefined;
  }

  async endSubject(id: string, state: 'expired' | 'removed', at: string, reason: string) {
    return this.db.transaction(() => {
      const { changes } = this.db
        .prepare("UPDATE subjects SET state = ?, ended_at = ?, ended_reason = ? WHERE id = ? AND state = 'active'")
        .run(state, at, reason, id);
      this.db.prepare('UPDATE photos SET deleted_at = ? WHERE subject_id = ? AND deleted_at IS NULL').run(at, id);
      return changes === 1;
    })();
  }

  async dueForExpiry(now: string) {
    const sql = "SELECT id, scheme FROM subjects WHERE state = 'active' AND expires_at <= ?";
    return this.db.prepare(sql).all(now) as { id: string; scheme: string }[];
  }

  private subjectFromRow(r: Row): StoredSubject {
    const incidentIds = this.db
      .prepare('SELECT incident_id FROM subject_incidents WHERE subject_id = ? ORDER BY linked_at')
      .pluck()
      .all(r.id) as string[];
    return subjectFromRow(r, incidentIds, this.photoRows(r.id));
  }

  // --- photos --------------------------------------------------------------------------------

  async addPhoto(p: NewPhoto) {
    mapped(() =>
      this.db
        .prepare(`INSERT INTO photos (id, subject_id, sha256, bytes, width, height, source, face, created_at,
          created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
        .run(
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
        ),
    );
  }

  async photos(subjectId: string) {
    return this.photoRows(subjectId);
  }

  private photoRows(subjectId: string): PhotoInfo[] {
    const rows = this.db.prepare('SELECT * FROM photos WHERE subject_id = ? ORDER BY created_at').all(subjectId);
    return (rows as Row[]).map(photoFromRow);
  }

  // --- purges --------------------------------------------------------------------------------

  async addPurge(scheme: string, subjectId: string, version: number, reason: string, at: string) {
    this.db
      .prepare('INSERT INTO purges (scheme, subject_id, version, reason, at) VALUES (?, ?, ?, ?, ?)')
      .run(scheme, subjectId, version, reason, at);
  }

  async purges(scheme: string) {
    const rows = this.db
      .prepare('SELECT subject_id, version, reason, at FROM purges WHERE scheme = ? ORDER BY id DESC LIMIT 500')
      .all(scheme) as Row[];
    return rows.map((r) => ({ subjectId: r.subject_id, version: r.version, reason: r.reason, at: r.at }));
  }

  // --- exclusions ----------------------------------------------------------------------------

  async addExclusion(id: string, scheme: string, e: ExclusionInput, by: string, at: string) {
    mapped(() =>
      this.db
        .prepare(`INSERT INTO exclusions (id, scheme, subject_id, stores, zones, starts_at, ends_at, decided_by,
          appeal_route, status, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'active', ?, ?)`)
        .run(
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
        ),
    );
    return (await this.exclusion(id))!;
  }

  async exclusion(id: string) {
    const r = this.db.prepare('SELECT * FROM exclusions WHERE id = ?').get(id) as Row | undefined;
    return r ? this.exclusionFromRow(r) : null;
  }

  async exclusions(scheme: string, subjectId?: string) {
    const rows = this.db
      .prepare('SELECT * FROM exclusions WHERE scheme = ? AND (? IS NULL OR subject_id = ?) ORDER BY starts_at DESC')
      .all(scheme, subjectId || null, subjectId || null) as Row[];
    return rows.map((r) => this.exclusionFromRow(r));
  }

  async addExclusionEvent(id: string, e: ExclusionEventInput) {
    this.insertEvent(id, e);
  }

  private insertEvent(id: string, e: ExclusionEventInput) {
    this.db
      .prepare('INSERT INTO exclusion_events (exclusion_id, at, by, kind, text, outcome) VALUES (?, ?, ?, ?, ?, ?)')
      .run(id, e.at, e.by, e.kind, e.text, e.outcome);
  }

  async decideExclusion(id: string, e: ExclusionEventInput, patch: ExclusionPatch | null) {
    this.db.transaction(() => {
      this.insertEvent(id, e);
      if (!patch) return;
      const r = this.db.prepare('SELECT * FROM exclusions WHERE id = ?').get(id) as Row;
      this.db
        .prepare('UPDATE exclusions SET status = ?, ends_at = ?, stores = ?, zones = ? WHERE id = ?')
        .run(
          patch.status ?? r.status,
          patch.endsAt ?? r.ends_at,
          patch.stores ? JSON.stringify(patch.stores) : r.stores,
          patch.zones ? JSON.stringify(patch.zones) : r.zones,
          id,
        );
    })();
  }

  private exclusionFromRow(r: Row): Exclusion {
    const events = this.db.prepare('SELECT * FROM exclusion_events WHERE exclusion_id = ? ORDER BY seq').all(r.id);
    return exclusionFromRow(r, events as Row[]);
  }

  // --- statistics ----------------------------------------------------------------------------

  async verdictRows(scheme: string, since: string) {
    return this.db
      .prepare(`SELECT device_id, camera_id, store, subject_id, status, score, received_at FROM candidates
        WHERE scheme = ? AND received_at >= ?`)
      .all(scheme, since) as VerdictRow[];
  }
}

/** An incidents row (evidence ids are JSON text on both engines). */
export function incidentFromRow(r: Row): Incident {
  return {
    id: r.id,
    scheme: r.scheme,
    store: r.store,
    type: r.type,
    occurredAt: r.occurred_at,
    description: r.description,
    valuePence: r.value_pence,
    statement: r.statement,
    alertId: r.alert_id,
    evidenceIds: JSON.parse(r.evidence_ids),
    reporter: r.reporter,
    createdAt: r.created_at,
  };
}

/** A subjects row with its linked incident ids (oldest link first) and photos. */
export function subjectFromRow(r: Row, incidentIds: string[], photos: PhotoInfo[]): StoredSubject {
  return {
    id: r.id,
    scheme: r.scheme,
    alias: r.alias,
    status: r.status,
    reason: r.reason,
    notes: r.notes,
    incidentIds,
    enrolledBy: r.enrolled_by,
    enrolledAt: r.enrolled_at,
    expiresAt: r.expires_at,
    state: r.state,
    endedAt: r.ended_at,
    endedReason: r.ended_reason,
    photos,
  };
}

export function photoFromRow(p: Row): PhotoInfo {
  return {
    id: p.id,
    sha256: p.sha256,
    bytes: p.bytes,
    width: p.width,
    height: p.height,
    source: p.source,
    face: JSON.parse(p.face),
    createdAt: p.created_at,
    createdBy: p.created_by,
    deleted: p.deleted_at !== null,
  };
}

/** An exclusions row with its events (in seq order); an active notice past its end reads as ended. */
export function exclusionFromRow(r: Row, events: Row[]): Exclusion {
  return {
    id: r.id,
    scheme: r.scheme,
    subjectId: r.subject_id,
    stores: JSON.parse(r.stores),
    zones: JSON.parse(r.zones),
    startsAt: r.starts_at,
    endsAt: r.ends_at,
    decidedBy: r.decided_by,
    appealRoute: r.appeal_route,
    status: r.status === 'active' && r.ends_at < new Date().toISOString() ? 'ended' : r.status,
    events: events.map((e) => ({ at: e.at, by: e.by, kind: e.kind, text: e.text, outcome: e.outcome })),
    createdAt: r.created_at,
    createdBy: r.created_by,
  };
}
