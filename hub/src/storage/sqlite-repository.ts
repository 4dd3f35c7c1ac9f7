import {
  type Actor,
  type Alert,
  type CameraStatus,
  type Delivery,
  type TimelineEntry,
  cardUrl,
} from '@shopwatch/protocols';
import { notFound } from '../errors';
import { type GroupCommit, groupCommitFor } from './group-commit';
import type { Db, SqlRow } from './sqlite';
import { withDomainErrors } from './storage-errors';
import type {
  AlertFilter,
  AlertPatch,
  DeviceRecord,
  EventRecord,
  NewAlert,
  NewEvent,
  OpenConnection,
  ProvisionedDeviceRecord,
  ReceiptSender,
  ReceiptTaken,
  Renderer,
  Repository,
  SchemeRecord,
  SessionRecord,
  UserRecord,
} from './repository';

type Row = SqlRow;

export function alertFromRow(r: Row, timeline: TimelineEntry[]): Alert {
  return {
    id: r.id,
    scheme: r.scheme,
    zone: r.zone,
    store: r.store,
    type: r.type,
    severity: r.severity,
    message: r.message,
    subjectId: r.subject_id,
    clientRef: r.client_ref,
    raisedBy: { kind: r.raised_by_kind, id: r.raised_by_id },
    raisedAt: r.raised_at,
    status: r.status,
    escalatesAt: r.escalates_at,
    priority: r.priority === 1,
    closedAt: r.closed_at,
    outcome: r.outcome,
    timeline,
    // Alerts stored before the card URL existed get it here (the match JSON is kept as written).
    ...(r.match ? { match: { cardUrl: cardUrl(r.id), ...JSON.parse(r.match) } } : {}),
  };
}

export function timelineFromRow(r: Row): TimelineEntry {
  const e: TimelineEntry = { seq: r.seq, kind: r.kind, at: r.at, actor: { kind: r.actor_kind, id: r.actor_id } };
  if (r.status) e.status = r.status;
  if (r.outcome) e.outcome = r.outcome;
  if (r.note) e.note = r.note;
  if (r.actor_name) e.actorName = r.actor_name;
  if (r.eta_minutes) e.etaMinutes = r.eta_minutes;
  return e;
}

export const eventFromRow = (r: Row): EventRecord => ({
  seq: r.seq,
  alertId: r.alert_id,
  scheme: r.scheme,
  zone: r.zone,
  scope: r.scope,
  kind: r.kind,
  at: r.at,
  payload: r.payload,
});

/** The SQLite implementation of the hub's storage, on better-sqlite3 (synchronous, one file). */
export class SqliteRepository implements Repository {
  private q;
  private writes: GroupCommit;
  constructor(private db: Db) {
    this.writes = groupCommitFor(db);
    withDomainErrors(this);
    const p = (sql: string) => db.prepare(sql);
    this.q = {
      alert: p('SELECT * FROM alerts WHERE id = ?'),
      timeline: p('SELECT * FROM alert_events WHERE alert_id = ? ORDER BY seq'),
      insertAlert: p(`INSERT INTO alerts (id, scheme, zone, store, type, severity, message, subject_id, client_ref,
        raised_by_kind, raised_by_id, raised_at, status, escalates_at, priority, closed_at, outcome, match)
        VALUES (@id, @scheme, @zone, @store, @type, @severity, @message, @subjectId, @clientRef,
        @raisedByKind, @raisedById, @raisedAt, @status, @escalatesAt, @priority, @closedAt, @outcome, @match)`),
      insertEvent: p(`INSERT INTO alert_events (alert_id, scheme, zone, scope, kind, at, actor_kind, actor_id,
        status, outcome, note, actor_name, eta_minutes)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      setPayload: p('UPDATE alert_events SET payload = ? WHERE seq = ?'),
      byClientRef: p(
        'SELECT id FROM alerts WHERE scheme = ? AND raised_by_kind = ? AND raised_by_id = ? AND client_ref = ?',
      ),
      receipt: p(`INSERT INTO receipts (device_id, alert_id, last_seq, at) VALUES (?, ?, ?, ?)
        ON CONFLICT (device_id, alert_id) DO UPDATE SET last_seq = excluded.last_seq, at = excluded.at
        WHERE excluded.last_seq > receipts.last_seq`),
      latestSeq: p('SELECT MAX(seq) FROM alert_events WHERE alert_id = ?').pluck(),
      maxSeq: p('SELECT COALESCE(MAX(seq), 0) FROM alert_events').pluck(),
      due: p(`SELECT * FROM alerts WHERE escalates_at IS NOT NULL AND escalates_at <= ? ORDER BY escalates_at`),
      nextDue: p('SELECT MIN(escalates_at) FROM alerts WHERE escalates_at IS NOT NULL').pluck(),
      device: p('SELECT * FROM devices WHERE id = ?'),
      devices: p('SELECT * FROM devices WHERE scheme = ? AND disabled_at IS NULL ORDER BY id'),
      touch: p('UPDATE devices SET last_seen = ? WHERE id = ?'),
    };
  }

  private timeline(id: string): TimelineEntry[] {
    return (this.q.timeline.all(id) as Row[]).map(timelineFromRow);
  }

  private loadAlert(id: string): Alert | null {
    const r = this.q.alert.get(id) as Row | undefined;
    return r ? alertFromRow(r, this.timeline(id)) : null;
  }

  // --- schemes, users, devices, sessions -------------------------------------------------

  async upsertScheme(s: SchemeRecord) {
    this.db.transaction(() => {
      this.db
        .prepare(`INSERT INTO schemes (id, name, escalation_seconds, catch_up_hours, gallery_days_known,
          gallery_days_id_sought) VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT (id) DO UPDATE SET name = excluded.name, escalation_seconds = excluded.escalation_seconds,
        catch_up_hours = excluded.catch_up_hours, gallery_days_known = excluded.gallery_days_known,
        gallery_days_id_sought = excluded.gallery_days_id_sought`)
        .run(
          s.id,
          s.name,
          s.settings.escalationSeconds,
          s.settings.catchUpHours,
          s.settings.galleryDays.known,
          s.settings.galleryDays['id-sought'],
        );
      this.db
        .prepare('UPDATE schemes SET live_view_members = ? WHERE id = ?')
        .run(s.settings.liveViewMembers ? 1 : 0, s.id);
      const zone = this.db.prepare(
        'INSERT INTO zones (scheme, id, name) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET name = excluded.name',
      );
      for (const z of s.zones) zone.run(s.id, z.id, z.name);
      const store =
        this.db.prepare(`INSERT INTO stores (scheme, id, name, zone, plan_x, plan_y) VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT DO UPDATE SET name = excluded.name, zone = excluded.zone, plan_x = excluded.plan_x,
        plan_y = excluded.plan_y`);
      for (const st of s.stores) store.run(s.id, st.id, st.name, st.zone, st.plan?.x ?? null, st.plan?.y ?? null);
    })();
  }

  async getScheme(id: string): Promise<SchemeRecord | null> {
    const r = this.db.prepare('SELECT * FROM schemes WHERE id = ?').get(id) as Row | undefined;
    if (!r) return null;
    return {
      id: r.id,
      name: r.name,
      settings: {
        escalationSeconds: r.escalation_seconds,
        catchUpHours: r.catch_up_hours,
        galleryDays: { known: r.gallery_days_known, 'id-sought': r.gallery_days_id_sought },
        liveViewMembers: r.live_view_members === 1,
      },
      zones: this.db
        .prepare('SELECT id, name FROM zones WHERE scheme = ? ORDER BY id')
        .all(id) as SchemeRecord['zones'],
      stores: (this.db.prepare('SELECT * FROM stores WHERE scheme = ? ORDER BY id').all(id) as Row[]).map((s) => ({
        id: s.id,
        name: s.name,
        zone: s.zone,
        plan: s.plan_x === null ? null : { x: s.plan_x, y: s.plan_y },
      })),
    };
  }

  async listSchemes() {
    const ids = this.db.prepare('SELECT id FROM schemes ORDER BY id').pluck().all() as string[];
    return (await Promise.all(ids.map((id) => this.getScheme(id)))) as SchemeRecord[];
  }

  async upsertUser(u: UserRecord) {
    // No conflict target: a username differing only in case updates the existing row (the
    // case-insensitive unique index), since login treats them as one user.
    this.db
      .prepare(`INSERT INTO users
      (username, password_hash, role, scheme, store, display_name, created_at, password_digest)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET password_hash = excluded.password_hash,
      role = excluded.role, scheme = excluded.scheme, store = excluded.store, display_name = excluded.display_name,
      password_digest = excluded.password_digest`)
      .run(
        u.username,
        u.passwordHash,
        u.role,
        u.scheme,
        u.store,
        u.displayName,
        new Date().toISOString(),
        u.passwordDigest ?? null,
      );
  }

  private userFromRow(r: Row): UserRecord {
    return {
      username: r.username,
      passwordHash: r.password_hash,
      role: r.role,
      scheme: r.scheme,
      store: r.store,
      displayName: r.display_name,
      passwordDigest: r.password_digest,
    };
  }

  async getUser(username: string): Promise<UserRecord | null> {
    const r = this.db.prepare('SELECT * FROM users WHERE username = ? COLLATE NOCASE').get(username) as Row | undefined;
    return r ? this.userFromRow(r) : null;
  }

  async listUsers() {
    return (this.db.prepare('SELECT * FROM users ORDER BY username').all() as Row[]).map((r) => this.userFromRow(r));
  }

  async removeUsers(usernames: string[]) {
    const sessions = this.db.prepare('DELETE FROM sessions WHERE username = ? COLLATE NOCASE');
    const user = this.db.prepare('DELETE FROM users WHERE username = ? COLLATE NOCASE');
    this.db.transaction(() => {
      for (const u of usernames) {
        sessions.run(u);
        user.run(u);
      }
    })();
  }

  async upsertDevice(d: ProvisionedDeviceRecord) {
    await this.upsertDevices([d]);
  }

  async upsertDevices(list: ProvisionedDeviceRecord[]) {
    // A new device starts its catch-up from now: it was not there to miss older events.
    const upsert = this.db.prepare(`INSERT INTO devices
      (id, kind, scheme, store, duty, name, secret_hash, created_at, since_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, scheme = excluded.scheme, store = excluded.store,
      duty = excluded.duty, name = excluded.name, secret_hash = excluded.secret_hash, disabled_at = NULL`);
    this.db.transaction(() => {
      const since = this.q.maxSeq.get() as number;
      const at = new Date().toISOString();
      for (const d of list) upsert.run(d.id, d.kind, d.scheme, d.store, d.duty, d.name, d.secretHash, at, since);
    })();
  }

  private deviceFromRow(r: Row): DeviceRecord {
    return {
      id: r.id,
      kind: r.kind,
      scheme: r.scheme,
      store: r.store,
      duty: r.duty,
      name: r.name,
      secretHash: r.secret_hash,
      sinceSeq: r.since_seq,
      lastSeen: this.lastSeen.get(r.id) ?? r.last_seen,
      disabledAt: r.disabled_at,
    };
  }

  async getDevice(id: string) {
    const r = this.q.device.get(id) as Row | undefined;
    return r ? this.deviceFromRow(r) : null;
  }

  async listDevices(scheme: string) {
    return (this.q.devices.all(scheme) as Row[]).map((r) => this.deviceFromRow(r));
  }

  async listAllDevices() {
    return (this.db.prepare('SELECT * FROM devices ORDER BY id').all() as Row[]).map((r) => this.deviceFromRow(r));
  }

  async disableDevices(ids: string[], at: string) {
    const stmt = this.db.prepare('UPDATE devices SET disabled_at = ? WHERE id = ? AND disabled_at IS NULL');
    this.db.transaction(() => {
      for (const id of ids) stmt.run(at, id);
    })();
  }

  async revokedDeviceIds() {
    return this.db.prepare('SELECT id FROM devices WHERE disabled_at IS NOT NULL').pluck().all() as string[];
  }

  async provisioningGeneration() {
    const g = this.db.prepare('SELECT generation FROM provisioning_state WHERE id = 1').pluck().get();
    return (g as number | undefined) ?? 0;
  }

  async bumpProvisioningGeneration(at: string) {
    return this.db
      .prepare(`INSERT INTO provisioning_state (id, generation, applied_at) VALUES (1, 1, ?)
      ON CONFLICT (id) DO UPDATE SET generation = generation + 1, applied_at = excluded.applied_at
      RETURNING generation`)
      .pluck()
      .get(at) as number;
  }

  async touchDevice(id: string, at: string) {
    // Batched: a reconnect storm of thousands of radios must not cost an fsync per connection on
    // the event loop. A crash loses at most one interval of last-seen times, nothing acknowledged.
    this.lastSeen.set(id, at);
    this.lastSeenTimer ??= setTimeout(() => this.flushLastSeen(), 1000).unref();
  }

  private lastSeen = new Map<string, string>();
  private lastSeenTimer: NodeJS.Timeout | null = null;

  private flushLastSeen() {
    if (this.lastSeenTimer) clearTimeout(this.lastSeenTimer);
    this.lastSeenTimer = null;
    if (!this.lastSeen.size || !this.db.open) return;
    const batch = [...this.lastSeen];
    this.lastSeen.clear();
    this.db.transaction(() => {
      for (const [id, at] of batch) this.q.touch.run(at, id);
    })();
  }

  // Open connections (presence): insert or delete and count in one group-committed transaction.
  async openConnection(c: OpenConnection) {
    return this.writes.run(() => {
      this.db
        .prepare(
          `INSERT OR IGNORE INTO device_connections (node_id, connection_id, device_id, opened_at)
          VALUES (?, ?, ?, ?)`,
        )
        .run(c.nodeId, c.connectionId, c.deviceId, c.openedAt);
      return this.countConnections(c.deviceId);
    });
  }

  async closeConnection(nodeId: string, connectionId: string, deviceId: string) {
    return this.writes.run(() => {
      this.db
        .prepare('DELETE FROM device_connections WHERE node_id = ? AND connection_id = ?')
        .run(nodeId, connectionId);
      return this.countConnections(deviceId);
    });
  }

  async clearNodeConnections(nodeId: string) {
    return this.db.prepare('DELETE FROM device_connections WHERE node_id = ?').run(nodeId).changes;
  }

  async connectionCount(deviceId: string) {
    return this.countConnections(deviceId);
  }

  private countConnections(deviceId: string): number {
    return this.db
      .prepare('SELECT count(*) FROM device_connections WHERE device_id = ?')
      .pluck()
      .get(deviceId) as number;
  }

  async createSession(tokenHash: string, username: string, createdAt: string, expiresAt: string) {
    this.db.prepare('DELETE FROM sessions WHERE expires_at < ?').run(createdAt);
    this.db
      .prepare('INSERT INTO sessions (token_hash, username, created_at, expires_at) VALUES (?, ?, ?, ?)')
      .run(tokenHash, username, createdAt, expiresAt);
  }

  async getSession(tokenHash: string, now: string): Promise<SessionRecord | null> {
    const r = this.db
      .prepare('SELECT username, expires_at FROM sessions WHERE token_hash = ? AND expires_at > ?')
      .get(tokenHash, now) as Row | undefined;
    return r ? { username: r.username, expiresAt: r.expires_at } : null;
  }

  async deleteSession(tokenHash: string) {
    this.db.prepare('DELETE FROM sessions WHERE token_hash = ?').run(tokenHash);
  }

  // --- alerts -----------------------------------------------------------------------------

  private writeEvent(alert: Alert, e: NewEvent, render: Renderer): EventRecord {
    const scope = alert.priority ? 'scheme' : 'zone';
    const { lastInsertRowid } = this.q.insertEvent.run(
      alert.id,
      alert.scheme,
      alert.zone,
      scope,
      e.kind,
      e.at,
      e.actor.kind,
      e.actor.id,
      e.status ?? null,
      e.outcome ?? null,
      e.note ?? null,
      e.actorName ?? null,
      e.etaMinutes ?? null,
    );
    const seq = Number(lastInsertRowid);
    const after = this.loadAlert(alert.id)!;
    const base = {
      seq,
      alertId: alert.id,
      scheme: alert.scheme,
      zone: alert.zone,
      scope,
      kind: e.kind,
      at: e.at,
    } as const;
    const payload = render(after, base);
    this.q.setPayload.run(payload, seq);
    return { ...base, payload };
  }

  async createAlert(a: NewAlert, e: NewEvent, render: Renderer) {
    return this.writes.run(() => {
      this.q.insertAlert.run({
        ...a,
        raisedByKind: a.raisedBy.kind,
        raisedById: a.raisedBy.id,
        priority: a.priority ? 1 : 0,
        match: a.match ? JSON.stringify(a.match) : null,
      });
      const event = this.writeEvent({ ...a, timeline: [] }, e, render);
      return { alert: this.loadAlert(a.id)!, event };
    });
  }

  async updateAlert(alertId: string, patch: AlertPatch, e: NewEvent, render: Renderer) {
    return this.writes.run(() => this.patchAlert(alertId, patch, e, render, null)!);
  }

  async updateAlertIfDue(alertId: string, now: string, patch: AlertPatch, e: NewEvent, render: Renderer) {
    return this.writes.run(() => this.patchAlert(alertId, patch, e, render, now));
  }

  /**
   * Runs inside a write transaction. With `dueBy`, the UPDATE itself is the claim: it changes
   * the row only if its escalation is still due, and nothing is written (null) if it did not.
   */
  private patchAlert(alertId: string, patch: AlertPatch, e: NewEvent, render: Renderer, dueBy: string | null) {
    const cols: Record<string, unknown> = {};
    if (patch.status !== undefined) cols.status = patch.status;
    if (patch.escalatesAt !== undefined) cols.escalates_at = patch.escalatesAt;
    if (patch.priority !== undefined) cols.priority = patch.priority ? 1 : 0;
    if (patch.closedAt !== undefined) cols.closed_at = patch.closedAt;
    if (patch.outcome !== undefined) cols.outcome = patch.outcome;
    const keys = Object.keys(cols);
    const due = dueBy === null ? '' : ' AND escalates_at IS NOT NULL AND escalates_at <= @dueBy';
    if (dueBy !== null && !keys.length) throw new Error('a conditional alert update must change something');
    if (keys.length) {
      const { changes } = this.db
        .prepare(`UPDATE alerts SET ${keys.map((k) => `${k} = @${k}`).join(', ')} WHERE id = @id${due}`)
        .run({ ...cols, id: alertId, ...(dueBy === null ? {} : { dueBy }) });
      if (dueBy !== null && changes === 0) return null;
    }
    const before = this.loadAlert(alertId);
    if (!before) throw notFound(`alert "${alertId}"`);
    const event = this.writeEvent(before, e, render);
    return { alert: this.loadAlert(alertId)!, event };
  }

  async findAlertByClientRef(scheme: string, actor: Actor, clientRef: string) {
    const id = this.q.byClientRef.pluck().get(scheme, actor.kind, actor.id, clientRef) as string | undefined;
    return id ? this.loadAlert(id) : null;
  }

  async getAlert(id: string) {
    return this.loadAlert(id);
  }

  private alertWhere(f: AlertFilter) {
    const where = ['scheme = @scheme'];
    const args: Record<string, unknown> = { scheme: f.scheme, limit: f.limit };
    if (f.zones) {
      // A store sees its zones and everything escalated to the whole scheme.
      where.push(`(priority = 1 OR zone IN (${f.zones.map((_, i) => `@z${i}`).join(', ') || "''"}))`);
      for (const [i, z] of f.zones.entries()) args[`z${i}`] = z;
    }
    if (f.zone) {
      where.push('zone = @zone');
      args.zone = f.zone;
    }
    if (f.status === 'active') where.push("status IN ('open', 'escalated')");
    else if (f.status) {
      where.push('status = @status');
      args.status = f.status;
    }
    if (f.since) {
      where.push('raised_at >= @since');
      args.since = f.since;
    }
    if (f.before) {
      where.push('(raised_at < @beforeAt OR (raised_at = @beforeAt AND id < @beforeId))');
      args.beforeAt = f.before.raisedAt;
      args.beforeId = f.before.id;
    }
    const sql = `SELECT * FROM alerts WHERE ${where.join(' AND ')} ORDER BY raised_at DESC, id DESC LIMIT @limit`;
    return { sql, args };
  }

  async listAlerts(f: AlertFilter) {
    const { sql, args } = this.alertWhere(f);
    return (this.db.prepare(sql).all(args) as Row[]).map((r) => alertFromRow(r, this.timeline(r.id)));
  }

  async pageAlerts(f: AlertFilter): Promise<NewAlert[]> {
    const { sql, args } = this.alertWhere(f);
    return (this.db.prepare(sql).all(args) as Row[]).map((r) => {
      const { timeline: _, ...a } = alertFromRow(r, []);
      return a;
    });
  }

  async timelines(alertIds: string[]) {
    const out = new Map<string, TimelineEntry[]>(alertIds.map((id) => [id, []]));
    if (!alertIds.length) return out;
    const rows = this.db
      .prepare(`SELECT * FROM alert_events WHERE alert_id IN (${alertIds.map(() => '?').join(', ')})
      ORDER BY seq`)
      .all(...alertIds) as Row[];
    for (const r of rows) out.get(r.alert_id)!.push(timelineFromRow(r));
    return out;
  }

  async dueEscalations(now: string) {
    return (this.q.due.all(now) as Row[]).map((r) => alertFromRow(r, this.timeline(r.id)));
  }

  async nextEscalationAt() {
    return (this.q.nextDue.get() as string | null) ?? null;
  }

  // --- receipts and catch-up --------------------------------------------------------------

  async recordReceipt(deviceId: string, alertId: string, seq: number, at: string) {
    return this.writes.run(() => this.q.receipt.run(deviceId, alertId, seq, at).changes > 0);
  }

  async recordVisibleReceipt(from: ReceiptSender, alertId: string, seq: number | null, at: string) {
    // The check and the write in one step of the write queue: SQLite has one writer anyway.
    return this.writes.run((): ReceiptTaken | null => {
      const a = this.q.alert.get(alertId) as SqlRow | undefined;
      const sees = (r: SqlRow) => from.zones === null || r.priority === 1 || from.zones.includes(r.zone as string);
      if (!a || a.scheme !== from.scheme || !sees(a)) return null;
      const latest = (this.q.latestSeq.get(alertId) as number | null) ?? 0;
      const upTo = Math.min(seq ?? latest, latest);
      const advanced = this.q.receipt.run(from.deviceId, alertId, upTo, at).changes > 0;
      return { scheme: a.scheme as string, zone: a.zone as string, seq: upTo, advanced };
    });
  }

  async deliveries(alertIds: string[]) {
    const out = new Map<string, Delivery[]>(alertIds.map((id) => [id, []]));
    if (!alertIds.length) return out;
    const rows = this.db
      .prepare(`SELECT * FROM receipts WHERE alert_id IN (${alertIds.map(() => '?').join(', ')}) ORDER BY at`)
      .all(...alertIds) as Row[];
    for (const r of rows) out.get(r.alert_id)!.push({ deviceId: r.device_id, lastSeq: r.last_seq, at: r.at });
    return out;
  }

  async latestEventSeq(alertId: string) {
    return (this.q.latestSeq.get(alertId) as number | null) ?? null;
  }

  async unconfirmedEvents(device: DeviceRecord, zones: string[], since: string) {
    const rows = this.db
      .prepare(`
      SELECT e.* FROM alert_events e
      LEFT JOIN receipts r ON r.device_id = @device AND r.alert_id = e.alert_id
      WHERE e.scheme = @scheme AND e.at >= @since AND e.seq > @sinceSeq
        AND (e.scope = 'scheme' OR e.zone IN (${zones.map((_, i) => `@z${i}`).join(', ') || "''"}))
        AND e.seq > COALESCE(r.last_seq, 0)
      ORDER BY e.seq`)
      .all({
        device: device.id,
        scheme: device.scheme,
        since,
        sinceSeq: device.sinceSeq,
        ...Object.fromEntries(zones.map((z, i) => [`z${i}`, z])),
      }) as Row[];
    return rows.map(eventFromRow);
  }

  async maxSeq() {
    return this.q.maxSeq.get() as number;
  }

  // --- cameras ------------------------------------------------------------------------------

  async upsertCamera(c: CameraStatus) {
    this.db
      .prepare(`INSERT INTO cameras (device_id, camera_id, name, status, reason, since) VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT DO UPDATE SET name = COALESCE(excluded.name, cameras.name), status = excluded.status,
      reason = excluded.reason, since = excluded.since`)
      .run(c.deviceId, c.cameraId, c.name, c.status, c.reason, c.since);
  }

  async listCameras(scheme: string): Promise<CameraStatus[]> {
    const rows = this.db
      .prepare(
        `SELECT c.* FROM cameras c JOIN devices d ON d.id = c.device_id WHERE d.scheme = ?
        ORDER BY c.device_id, c.camera_id`,
      )
      .all(scheme) as Row[];
    return rows.map((r) => ({
      deviceId: r.device_id,
      cameraId: r.camera_id,
      name: r.name,
      status: r.status,
      reason: r.reason,
      since: r.since,
    }));
  }

  close() {
    this.flushLastSeen();
    this.db.close();
  }
}
