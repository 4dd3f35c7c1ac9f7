import type { Actor, CameraStatus, Delivery } from '@shopwatch/protocols';
import type pg from 'pg';
import type {
  AlertFilter,
  AlertPatch,
  DeviceRecord,
  NewAlert,
  NewEvent,
  OpenConnection,
  ReceiptSender,
  Renderer,
  Repository,
} from '../repository';
import { alertFromRow, eventFromRow } from '../sqlite-repository';
import { withDomainErrors } from '../storage-errors';
import {
  alertQuery,
  insertAlert,
  loadAlert,
  patchAlert,
  patchAlertIf,
  timelinesOf,
  withTimelines,
} from './alert-queries';
import * as connections from './connection-queries';
import { PgGroupCommit } from './group-commit';
import { DirectoryQueries } from './directory-queries';
import { PgReceiptBatch } from './receipt-batch';

type Row = pg.QueryResultRow;

/**
 * The PostgreSQL implementation of the hub's storage, for a deployment of several hub replicas.
 * Same tables as SQLite (see migrations.ts). Every write that SQLite does in one transaction is
 * one transaction here, and resolves only after its COMMIT returned.
 */
export class PostgresRepository extends DirectoryQueries implements Repository {
  private writes: PgGroupCommit;
  private receipts: PgReceiptBatch;
  /** `lookups`: a pool of its own for the reads on a device's way in (see DirectoryQueries). */
  constructor(pool: pg.Pool, lookups: pg.Pool = pool) {
    super(pool, lookups);
    this.writes = new PgGroupCommit(pool);
    this.receipts = new PgReceiptBatch(pool);
    withDomainErrors(this);
  }

  // --- alerts -----------------------------------------------------------------------------

  async createAlert(a: NewAlert, e: NewEvent, render: Renderer) {
    return this.writes.run((c) => insertAlert(c, a, e, render));
  }

  async updateAlert(alertId: string, patch: AlertPatch, e: NewEvent, render: Renderer) {
    return this.writes.run((c) => patchAlert(c, alertId, patch, e, render));
  }

  async updateAlertIfDue(alertId: string, now: string, patch: AlertPatch, e: NewEvent, render: Renderer) {
    return this.writes.run((c) => patchAlertIf(c, alertId, patch, e, render, now));
  }

  async findAlertByClientRef(scheme: string, actor: Actor, clientRef: string) {
    const { rows } = await this.pool.query(
      'SELECT id FROM alerts WHERE scheme = $1 AND raised_by_kind = $2 AND raised_by_id = $3 AND client_ref = $4',
      [scheme, actor.kind, actor.id, clientRef],
    );
    return rows[0] ? loadAlert(this.pool, rows[0].id) : null;
  }

  async getAlert(id: string) {
    return loadAlert(this.pool, id);
  }

  async listAlerts(f: AlertFilter) {
    const { sql, args } = alertQuery(f);
    return withTimelines(this.pool, (await this.pool.query(sql, args)).rows);
  }

  async pageAlerts(f: AlertFilter): Promise<NewAlert[]> {
    const { sql, args } = alertQuery(f);
    return (await this.pool.query(sql, args)).rows.map((r) => {
      const { timeline: _, ...a } = alertFromRow(r, []);
      return a;
    });
  }

  async timelines(alertIds: string[]) {
    return timelinesOf(this.pool, alertIds);
  }

  async dueEscalations(now: string) {
    const { rows } = await this.pool.query(
      'SELECT * FROM alerts WHERE escalates_at IS NOT NULL AND escalates_at <= $1 ORDER BY escalates_at',
      [now],
    );
    return withTimelines(this.pool, rows);
  }

  async nextEscalationAt() {
    const { rows } = await this.pool.query('SELECT MIN(escalates_at) AS at FROM alerts WHERE escalates_at IS NOT NULL');
    return (rows[0].at as string | null) ?? null;
  }

  // --- receipts and catch-up --------------------------------------------------------------

  async recordReceipt(deviceId: string, alertId: string, seq: number, at: string) {
    const r = await this.pool.query(
      `INSERT INTO receipts (device_id, alert_id, last_seq, at) VALUES ($1, $2, $3, $4)
      ON CONFLICT (device_id, alert_id) DO UPDATE SET last_seq = excluded.last_seq, at = excluded.at
      WHERE excluded.last_seq > receipts.last_seq`,
      [deviceId, alertId, seq, at],
    );
    return (r.rowCount ?? 0) > 0;
  }

  async recordVisibleReceipt(from: ReceiptSender, alertId: string, seq: number | null, at: string) {
    return this.receipts.record(from, alertId, seq, at);
  }

  async deliveries(alertIds: string[]) {
    const out = new Map<string, Delivery[]>(alertIds.map((id) => [id, []]));
    if (!alertIds.length) return out;
    const { rows } = await this.pool.query(
      'SELECT * FROM receipts WHERE alert_id = ANY($1::text[]) ORDER BY at, device_id',
      [alertIds],
    );
    for (const r of rows) out.get(r.alert_id)!.push({ deviceId: r.device_id, lastSeq: r.last_seq, at: r.at });
    return out;
  }

  async latestEventSeq(alertId: string) {
    const { rows } = await this.pool.query('SELECT MAX(seq) AS seq FROM alert_events WHERE alert_id = $1', [alertId]);
    return (rows[0].seq as number | null) ?? null;
  }

  async unconfirmedEvents(device: DeviceRecord, zones: string[], since: string) {
    const { rows } = await this.pool.query(
      `SELECT e.* FROM alert_events e
      LEFT JOIN receipts r ON r.device_id = $1 AND r.alert_id = e.alert_id
      WHERE e.scheme = $2 AND e.at >= $3 AND e.seq > $4
        AND (e.scope = 'scheme' OR e.zone = ANY($5::text[]))
        AND e.seq > COALESCE(r.last_seq, 0)
      ORDER BY e.seq`,
      [device.id, device.scheme, since, device.sinceSeq, zones],
    );
    return rows.map(eventFromRow);
  }

  async maxSeq() {
    return (await this.pool.query('SELECT COALESCE(MAX(seq), 0) AS seq FROM alert_events')).rows[0].seq as number;
  }

  // --- open connections (presence) -----------------------------------------------------------

  async openConnection(c: OpenConnection) {
    return connections.openConnection(this.pool, c);
  }

  async closeConnection(nodeId: string, connectionId: string, deviceId: string) {
    return connections.closeConnection(this.pool, nodeId, connectionId, deviceId);
  }

  async clearNodeConnections(nodeId: string) {
    return connections.clearNodeConnections(this.pool, nodeId);
  }

  async connectionCount(deviceId: string) {
    return connections.connectionCount(this.pool, deviceId);
  }

  // --- cameras ------------------------------------------------------------------------------

  async upsertCamera(c: CameraStatus) {
    await this.pool.query(
      `INSERT INTO cameras (device_id, camera_id, name, status, reason, since) VALUES ($1, $2, $3, $4, $5, $6)
      ON CONFLICT (device_id, camera_id) DO UPDATE SET name = COALESCE(excluded.name, cameras.name),
      status = excluded.status, reason = excluded.reason, since = excluded.since`,
      [c.deviceId, c.cameraId, c.name, c.status, c.reason, c.since],
    );
  }

  async listCameras(scheme: string): Promise<CameraStatus[]> {
    const { rows } = await this.pool.query(
      `SELECT c.* FROM cameras c JOIN devices d ON d.id = c.device_id WHERE d.scheme = $1
      ORDER BY c.device_id, c.camera_id`,
      [scheme],
    );
    return rows.map((r: Row) => ({
      deviceId: r.device_id,
      cameraId: r.camera_id,
      name: r.name,
      status: r.status,
      reason: r.reason,
      since: r.since,
    }));
  }

  /** Writes the batched last-seen times, then closes the pools. */
  async close(): Promise<void> {
    await this.flushLastSeen().catch(() => {});
    await this.pool.end();
    if (this.lookups !== this.pool) await this.lookups.end();
  }
}
