import type { Alert, TimelineEntry } from '@shopwatch/protocols';
import type pg from 'pg';
import { HubError } from '../../errors';
import type { AlertFilter, AlertPatch, EventRecord, NewAlert, NewEvent, Renderer } from '../repository';
import { alertFromRow, timelineFromRow } from '../sqlite-repository';

/** A pool or one of its connections (inside a transaction). */
export type Queryable = pg.Pool | pg.PoolClient;
type Row = pg.QueryResultRow;

export async function timelineOf(db: Queryable, id: string): Promise<TimelineEntry[]> {
  const { rows } = await db.query('SELECT * FROM alert_events WHERE alert_id = $1 ORDER BY seq', [id]);
  return rows.map(timelineFromRow);
}

export async function loadAlert(db: Queryable, id: string): Promise<Alert | null> {
  const { rows } = await db.query('SELECT * FROM alerts WHERE id = $1', [id]);
  return rows[0] ? alertFromRow(rows[0], await timelineOf(db, id)) : null;
}

/** Appends an event, then stores the JSON `render` builds from the alert as it now stands. */
async function writeEvent(
  c: pg.PoolClient,
  alert: Alert,
  e: NewEvent,
  render: Renderer,
): Promise<{ alert: Alert; event: EventRecord }> {
  const scope = alert.priority ? 'scheme' : 'zone';
  const { rows } = await c.query(
    `INSERT INTO alert_events (alert_id, scheme, zone, scope, kind, at, actor_kind, actor_id,
      status, outcome, note, actor_name, eta_minutes)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING seq`,
    [
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
    ],
  );
  const seq = rows[0].seq as number;
  const after = (await loadAlert(c, alert.id))!;
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
  await c.query('UPDATE alert_events SET payload = $1 WHERE seq = $2', [payload, seq]);
  // The payload is not part of the alert or its timeline: `after` is the alert as stored.
  return { alert: after, event: { ...base, payload } };
}

/** Run through PgGroupCommit, which holds the event-order lock until COMMIT. */
export async function insertAlert(c: pg.PoolClient, a: NewAlert, e: NewEvent, render: Renderer) {
  await c.query(
    `INSERT INTO alerts (id, scheme, zone, store, type, severity, message, subject_id, client_ref,
      raised_by_kind, raised_by_id, raised_at, status, escalates_at, priority, closed_at, outcome, match)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)`,
    [
      a.id,
      a.scheme,
      a.zone,
      a.store,
      a.type,
      a.severity,
      a.message,
      a.subjectId,
      a.clientRef,
      a.raisedBy.kind,
      a.raisedBy.id,
      a.raisedAt,
      a.status,
      a.escalatesAt,
      a.priority ? 1 : 0,
      a.closedAt,
      a.outcome,
      a.match ? JSON.stringify(a.match) : null,
    ],
  );
  return writeEvent(c, { ...a, timeline: [] }, e, render);
}

/** Run through PgGroupCommit, which holds the event-order lock until COMMIT. */
export async function patchAlert(c: pg.PoolClient, id: string, patch: AlertPatch, e: NewEvent, render: Renderer) {
  return (await patchAlertIf(c, id, patch, e, render, null))!;
}

/**
 * `patchAlert`; with `dueBy`, only if the alert's escalation is still due then (null if not).
 * The conditional UPDATE is the claim: a second node's UPDATE waits for the first one's row lock
 * and, once that commits, re-checks the row, finds escalates_at cleared and changes nothing.
 */
export async function patchAlertIf(
  c: pg.PoolClient,
  id: string,
  patch: AlertPatch,
  e: NewEvent,
  render: Renderer,
  dueBy: string | null,
) {
  const cols: [string, unknown][] = [];
  if (patch.status !== undefined) cols.push(['status', patch.status]);
  if (patch.escalatesAt !== undefined) cols.push(['escalates_at', patch.escalatesAt]);
  if (patch.priority !== undefined) cols.push(['priority', patch.priority ? 1 : 0]);
  if (patch.closedAt !== undefined) cols.push(['closed_at', patch.closedAt]);
  if (patch.outcome !== undefined) cols.push(['outcome', patch.outcome]);
  if (dueBy !== null && !cols.length) throw new Error('a conditional alert update must change something');
  if (cols.length) {
    const set = cols.map(([k], i) => `${k} = $${i + 2}`).join(', ');
    const args = [id, ...cols.map(([, v]) => v)];
    const due = dueBy === null ? '' : ` AND escalates_at IS NOT NULL AND escalates_at <= $${args.push(dueBy)}`;
    const r = await c.query(`UPDATE alerts SET ${set} WHERE id = $1${due}`, args);
    if (dueBy !== null && r.rowCount === 0) return null;
  }
  const before = await loadAlert(c, id);
  if (!before) throw new HubError('not_found', `alert "${id}" not found`);
  return writeEvent(c, before, e, render);
}

/** The WHERE clause, arguments and order of an alert listing (newest first, paged by cursor). */
export function alertQuery(f: AlertFilter): { sql: string; args: unknown[] } {
  const args: unknown[] = [f.scheme];
  const arg = (v: unknown) => {
    args.push(v);
    return `$${args.length}`;
  };
  const where = ['scheme = $1'];
  // A store sees its zones and everything escalated to the whole scheme.
  if (f.zones) where.push(`(priority = 1 OR zone = ANY(${arg(f.zones)}::text[]))`);
  if (f.zone) where.push(`zone = ${arg(f.zone)}`);
  if (f.status === 'active') where.push("status IN ('open', 'escalated')");
  else if (f.status) where.push(`status = ${arg(f.status)}`);
  if (f.since) where.push(`raised_at >= ${arg(f.since)}`);
  if (f.before) {
    const at = arg(f.before.raisedAt);
    where.push(`(raised_at < ${at} OR (raised_at = ${at} AND id < ${arg(f.before.id)}))`);
  }
  const order = `ORDER BY raised_at DESC, id DESC LIMIT ${arg(f.limit)}`;
  const sql = `SELECT * FROM alerts WHERE ${where.join(' AND ')} ${order}`;
  return { sql, args };
}

/** The timelines of many alerts in one query. */
export async function timelinesOf(db: Queryable, ids: string[]): Promise<Map<string, TimelineEntry[]>> {
  const out = new Map<string, TimelineEntry[]>(ids.map((id) => [id, []]));
  if (!ids.length) return out;
  const { rows } = await db.query('SELECT * FROM alert_events WHERE alert_id = ANY($1::text[]) ORDER BY seq', [ids]);
  for (const r of rows as Row[]) out.get(r.alert_id)!.push(timelineFromRow(r));
  return out;
}

/** Alerts with their timelines, in the order of `rows`. */
export async function withTimelines(db: Queryable, rows: Row[]): Promise<Alert[]> {
  const timelines = await timelinesOf(
    db,
    rows.map((r) => r.id),
  );
  return rows.map((r) => alertFromRow(r, timelines.get(r.id)!));
}
