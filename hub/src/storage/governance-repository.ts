import type {
  Exclusion,
  ExclusionInput,
  Incident,
  IncidentInput,
  PhotoInfo,
  Subject,
  SubjectInput,
} from '@shopwatch/protocols';
import type { Db, SqlRow } from './sqlite';

type Row = SqlRow;

export interface NewPhoto extends Omit<PhotoInfo, 'deleted'> {
  subjectId: string;
}

/**
 * Incidents, gallery subjects and their photos, purges and exclusion notices. SQLite only for
 * now; the methods are synchronous because every caller runs them inside one request.
 */
export class GovernanceRepository {
  constructor(private db: Db) {}

  tx<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  // --- incidents -----------------------------------------------------------------------------

  addIncident(
    id: string,
    scheme: string,
    store: string | null,
    i: IncidentInput,
    reporter: string,
    at: string,
  ): Incident {
    this.db
      .prepare(`INSERT INTO incidents (id, scheme, store, type, occurred_at, description, value_pence,
        statement, alert_id, evidence_ids, reporter, created_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
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
      );
    return this.incident(id)!;
  }

  incident(id: string): Incident | null {
    const r = this.db.prepare('SELECT * FROM incidents WHERE id = ?').get(id) as Row | undefined;
    return r ? incidentFromRow(r) : null;
  }

  incidents(scheme: string, store: string | null, limit: number): Incident[] {
    const rows = store
      ? this.db
          .prepare('SELECT * FROM incidents WHERE scheme = ? AND store = ? ORDER BY occurred_at DESC LIMIT ?')
          .all(scheme, store, limit)
      : this.db
          .prepare('SELECT * FROM incidents WHERE scheme = ? ORDER BY occurred_at DESC LIMIT ?')
          .all(scheme, limit);
    return (rows as Row[]).map(incidentFromRow);
  }

  incidentsOf(subjectId: string): Incident[] {
    return (
      this.db
        .prepare(
          'SELECT i.* FROM incidents i JOIN subject_incidents s ON s.incident_id = i.id WHERE s.subject_id = ' +
            '? ORDER BY i.occurred_at',
        )
        .all(subjectId) as Row[]
    ).map(incidentFromRow);
  }

  // --- subjects ------------------------------------------------------------------------------

  addSubject(id: string, scheme: string, s: SubjectInput, by: string, at: string, expiresAt: string) {
    this.db
      .prepare(`INSERT INTO subjects (id, scheme, alias, status, reason, notes, enrolled_by, enrolled_at,
        expires_at, state)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'active')`)
      .run(id, scheme, s.alias, s.status, s.reason, s.notes ?? null, by, at, expiresAt);
    for (const inc of s.incidentIds) this.linkIncident(id, inc, at);
  }

  linkIncident(subjectId: string, incidentId: string, at: string) {
    this.db
      .prepare('INSERT OR IGNORE INTO subject_incidents (subject_id, incident_id, linked_at) VALUES (?, ?, ?)')
      .run(subjectId, incidentId, at);
  }

  subject(id: string, templates: (subjectId: string) => number): Subject | null {
    const r = this.db.prepare('SELECT * FROM subjects WHERE id = ?').get(id) as Row | undefined;
    return r ? this.subjectFromRow(r, templates(id)) : null;
  }

  subjects(scheme: string, state: Subject['state'] | null, templates: (subjectId: string) => number): Subject[] {
    const rows = state
      ? this.db.prepare('SELECT * FROM subjects WHERE scheme = ? AND state = ? ORDER BY alias').all(scheme, state)
      : this.db.prepare('SELECT * FROM subjects WHERE scheme = ? ORDER BY alias').all(scheme);
    return (rows as Row[]).map((r) => this.subjectFromRow(r, templates(r.id)));
  }

  alias(scheme: string, id: string): string | null {
    return (
      (this.db.prepare('SELECT alias FROM subjects WHERE id = ? AND scheme = ?').pluck().get(id, scheme) as
        | string
        | undefined) ?? null
    );
  }

  isActive(scheme: string, id: string): boolean {
    return (
      this.db
        .prepare("SELECT 1 FROM subjects WHERE id = ? AND scheme = ? AND state = 'active' AND expires_at > ?")
        .get(id, scheme, new Date().toISOString()) !== undefined
    );
  }

  renew(id: string, expiresAt: string) {
    this.db
      .prepare("UPDATE subjects SET expires_at = ? WHERE id = ? AND state = 'active' AND expires_at < ?")
      .run(expiresAt, id, expiresAt);
  }

  end(id: string, state: 'expired' | 'removed', at: string, reason: string) {
    this.db
      .prepare("UPDATE subjects SET state = ?, ended_at = ?, ended_reason = ? WHERE id = ? AND state = 'active'")
      .run(state, at, reason, id);
  }

  dueForExpiry(now: string): { id: string; scheme: string }[] {
    return this.db.prepare("SELECT id, scheme FROM subjects WHERE state = 'active' AND expires_at <= ?").all(now) as {
      id: string;
      scheme: string;
    }[];
  }

  private subjectFromRow(r: Row, templates: number): Subject {
    return {
      id: r.id,
      scheme: r.scheme,
      alias: r.alias,
      status: r.status,
      reason: r.reason,
      notes: r.notes,
      incidentIds: this.db
        .prepare('SELECT incident_id FROM subject_incidents WHERE subject_id = ? ORDER BY linked_at')
        .pluck()
        .all(r.id) as string[],
      enrolledBy: r.enrolled_by,
      enrolledAt: r.enrolled_at,
      expiresAt: r.expires_at,
      state: r.state,
      endedAt: r.ended_at,
      endedReason: r.ended_reason,
      photos: this.photos(r.id),
      templates,
    };
  }

  // --- photos --------------------------------------------------------------------------------

  addPhoto(p: NewPhoto) {
    this.db
      .prepare(`INSERT INTO photos (id, subject_id, sha256, bytes, width, height, source, face, created_at, created_by)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
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
      );
  }

  photos(subjectId: string): PhotoInfo[] {
    return (
      this.db.prepare('SELECT * FROM photos WHERE subject_id = ? ORDER BY created_at').all(subjectId) as Row[]
    ).map((p) => ({
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
    }));
  }

  markPhotosDeleted(subjectId: string, at: string) {
    this.db.prepare('UPDATE photos SET deleted_at = ? WHERE subject_id = ? AND deleted_at IS NULL').run(at, subjectId);
  }

  // --- purges --------------------------------------------------------------------------------

  addPurge(scheme: string, subjectId: string, version: number, reason: string, at: string) {
    this.db
      .prepare('INSERT INTO purges (scheme, subject_id, version, reason, at) VALUES (?, ?, ?, ?, ?)')
      .run(scheme, subjectId, version, reason, at);
  }

  purges(scheme: string): { subjectId: string; version: number; reason: string; at: string }[] {
    return (
      this.db
        .prepare('SELECT subject_id, version, reason, at FROM purges WHERE scheme = ? ORDER BY id DESC LIMIT 500')
        .all(scheme) as Row[]
    ).map((r) => ({ subjectId: r.subject_id, version: r.version, reason: r.reason, at: r.at }));
  }

  // --- exclusions ----------------------------------------------------------------------------

  addExclusion(id: string, scheme: string, e: ExclusionInput, by: string, at: string): Exclusion {
    this.db
      .prepare(`INSERT INTO exclusions (id, scheme, subject_id, stores, zones, starts_at, ends_at,
        decided_by, appeal_route, status, created_at, created_by)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'active', ?, ?)`)
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
      );
    return this.exclusion(id)!;
  }

  exclusion(id: string): Exclusion | null {
    const r = this.db.prepare('SELECT * FROM exclusions WHERE id = ?').get(id) as Row | undefined;
    return r ? this.exclusionFromRow(r) : null;
  }

  exclusions(scheme: string, subjectId?: string): Exclusion[] {
    const rows = subjectId
      ? this.db
          .prepare('SELECT * FROM exclusions WHERE scheme = ? AND subject_id = ? ORDER BY starts_at DESC')
          .all(scheme, subjectId)
      : this.db.prepare('SELECT * FROM exclusions WHERE scheme = ? ORDER BY starts_at DESC').all(scheme);
    return (rows as Row[]).map((r) => this.exclusionFromRow(r));
  }

  addExclusionEvent(
    id: string,
    at: string,
    by: string,
    kind: 'appeal' | 'review' | 'decision',
    text: string,
    outcome: string | null,
  ) {
    this.db
      .prepare('INSERT INTO exclusion_events (exclusion_id, at, by, kind, text, outcome) VALUES (?, ?, ?, ?, ?, ?)')
      .run(id, at, by, kind, text, outcome);
  }

  updateExclusion(id: string, patch: { status?: string; endsAt?: string; stores?: string[]; zones?: string[] }) {
    const e = this.exclusion(id)!;
    this.db
      .prepare('UPDATE exclusions SET status = ?, ends_at = ?, stores = ?, zones = ? WHERE id = ?')
      .run(
        patch.status ?? e.status,
        patch.endsAt ?? e.endsAt,
        JSON.stringify(patch.stores ?? e.stores),
        JSON.stringify(patch.zones ?? e.zones),
        id,
      );
  }

  private exclusionFromRow(r: Row): Exclusion {
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
      events: (
        this.db.prepare('SELECT * FROM exclusion_events WHERE exclusion_id = ? ORDER BY seq').all(r.id) as Row[]
      ).map((e) => ({ at: e.at, by: e.by, kind: e.kind, text: e.text, outcome: e.outcome })),
      createdAt: r.created_at,
      createdBy: r.created_by,
    };
  }

  // --- statistics ----------------------------------------------------------------------------

  verdictRows(
    scheme: string,
    since: string,
  ): {
    device_id: string;
    camera_id: string;
    store: string | null;
    subject_id: string;
    status: string;
    score: number;
    received_at: string;
  }[] {
    return this.db
      .prepare(
        'SELECT device_id, camera_id, store, subject_id, status, score, received_at FROM candidates WHERE ' +
          'scheme = ? AND received_at >= ?',
      )
      .all(scheme, since) as ReturnType<GovernanceRepository['verdictRows']>;
  }
}

function incidentFromRow(r: Row): Incident {
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
