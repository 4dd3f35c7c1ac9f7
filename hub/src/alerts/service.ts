import crypto from 'node:crypto';
import type {
  Ack,
  Actor,
  Alert,
  AlertEvent,
  AlertMatch,
  AlertRaise,
  AlertWithDeliveries,
  Close,
  Delivery,
} from '@shopwatch/protocols';
import type { EventBus } from '../bus';
import { ConflictError, HubError, forbidden, notFound } from '../errors';
import type { Logger } from '../log';
import { type Principal, seesZone } from '../auth/principal';
import type { AlertFilter, EventRecord, NewAlert, Renderer, Repository } from '../storage/repository';
import type { HubDirectory } from '../directory-interface';
import { RaiseLimiter, raiseLimits } from './rate-limit';
import { TimeSlice } from '../time-slice';

const render: Renderer = (alert, e) => {
  const msg: AlertEvent = { event: e.kind, seq: e.seq, at: e.at, alert };
  return JSON.stringify(msg);
};

const actorOf = (p: Principal): Actor => ({ kind: p.kind, id: p.id });

/** Builds the match reference of an alert about a gallery subject; throws on an unknown subject. */
export type MatchResolver<S> = (
  scheme: string,
  subjectId: string,
  alertId: string,
  store: string | null,
  zone: string,
  sighting: S | null,
) => Promise<AlertMatch>;

/**
 * The alert lifecycle: raise → acknowledgements → escalation → close. Every change is stored
 * with its timeline event in one transaction *before* anyone is told, then announced on the bus.
 */
export class AlertService {
  /** Per-sender raise limits, in the domain so that MQTT, HTTP and WebSocket raises share them. */
  readonly limiter: RaiseLimiter;

  constructor(
    private repo: Repository,
    private dir: HubDirectory,
    private bus: EventBus,
    private log: Logger,
    private now: () => Date = () => new Date(),
    raisesPerMinute = 10,
    /** The gallery module knows subjects, this module does not (none: a subject id is kept as given). */
    private matchResolver: MatchResolver<never> | null = null,
  ) {
    this.limiter = new RaiseLimiter(raiseLimits(raisesPerMinute), () => this.now().getTime());
  }

  private announce(alert: Alert, e: EventRecord) {
    const event = JSON.parse(e.payload) as AlertEvent;
    this.bus.emit('alert', { scheme: alert.scheme, zone: alert.zone, scope: e.scope, event, payload: e.payload });
  }

  /** `sighting`: where a reviewer confirmed the subject (review cases pass it; raises by hand do not). */
  async raise(p: Principal, r: AlertRaise, sighting: unknown = null): Promise<{ alert: Alert; created: boolean }> {
    const actor = actorOf(p);
    const existing = await this.repo.findAlertByClientRef(p.scheme, actor, r.clientRef);
    if (existing) return { alert: existing, created: false };
    if (p.kind === 'device' && p.deviceKind === 'edge')
      throw forbidden('edge boxes cannot raise alerts; matches go to human review');

    if (r.priority && p.zones !== null)
      throw forbidden('only the control room and wardens raise alerts for every zone');
    const scheme = await this.dir.scheme(p.scheme);
    let store: string | null = null;
    let zone: string;
    if (p.store) {
      if (r.store && r.store !== p.store) throw forbidden(`you raise alerts for your own store "${p.store}" only`);
      if (r.zone && r.zone !== p.zone) throw forbidden(`you raise alerts for your own zone "${p.zone}" only`);
      store = p.store;
      zone = p.zone!;
    } else if (r.store) {
      const s = scheme.stores.find((s) => s.id === r.store);
      if (!s) throw new HubError('bad_request', `unknown store "${r.store}" in scheme "${p.scheme}"`);
      if (r.zone && r.zone !== s.zone)
        throw new HubError('bad_request', `store "${s.id}" is in zone "${s.zone}", not "${r.zone}"`);
      store = s.id;
      zone = s.zone;
    } else if (r.zone) {
      if (!scheme.zones.some((z) => z.id === r.zone))
        throw new HubError('bad_request', `unknown zone "${r.zone}" in scheme "${p.scheme}"`);
      zone = r.zone;
    } else {
      throw new HubError('bad_request', 'name the store (or zone) the alert is about');
    }

    const id = crypto.randomUUID();
    // An alert about a subject carries what staff can act on; an unknown subject is refused here.
    const match =
      r.subjectId && this.matchResolver
        ? await this.matchResolver(p.scheme, r.subjectId, id, store, zone, sighting as never)
        : undefined;
    if (!this.limiter.take(p)) {
      const { perMinute, burst } = this.limiter.limitFor(p);
      const wait = this.limiter.retryAfter(p);
      const limit = `at most ${perMinute} a minute (${burst} at once)`;
      throw new HubError('rate_limited', `too many alerts: ${limit}; try again in ${wait} s`);
    }
    const now = this.now();
    const at = now.toISOString();
    // A priority alert already reaches every zone: there is nothing left to escalate to.
    const escalatesAt = r.priority
      ? null
      : new Date(now.getTime() + scheme.settings.escalationSeconds * 1000).toISOString();
    try {
      const { alert, event } = await this.repo.createAlert(
        {
          id,
          scheme: p.scheme,
          zone,
          store,
          type: r.type,
          severity: r.severity,
          message: r.message ?? null,
          subjectId: r.subjectId ?? null,
          clientRef: r.clientRef,
          raisedBy: actor,
          raisedAt: at,
          status: 'open',
          escalatesAt,
          priority: r.priority ?? false,
          closedAt: null,
          outcome: null,
          ...(match ? { match } : {}),
        },
        { kind: 'raised', at, actor, note: r.message },
        render,
      );
      this.log.info({ alertId: alert.id, scheme: p.scheme, zone, store, by: actor, type: r.type }, 'alert raised');
      this.announce(alert, event);
      return { alert, created: true };
    } catch (err) {
      // Two copies of the same raise racing: the unique (sender, clientRef) index keeps one.
      if (err instanceof ConflictError) {
        const again = await this.repo.findAlertByClientRef(p.scheme, actor, r.clientRef);
        if (again) return { alert: again, created: false };
      }
      throw err;
    }
  }

  /** Loads an alert the principal may see; anything else is "not found", so ids leak nothing. */
  async visible(p: Principal, alertId: string): Promise<Alert> {
    const a = await this.repo.getAlert(alertId);
    if (!a || a.scheme !== p.scheme || !seesZone(p, a.zone, a.priority)) throw notFound(`alert "${alertId}"`);
    return a;
  }

  async ack(p: Principal, alertId: string, ack: Ack): Promise<Alert> {
    const a = await this.visible(p, alertId);
    if (a.status === 'closed') throw new HubError('conflict', `alert "${alertId}" is already closed`);
    const at = this.now().toISOString();
    const patch = ack.status === 'attending' ? { escalatesAt: null } : {};
    const { alert, event } = await this.repo.updateAlert(
      a.id,
      patch,
      {
        kind: 'acknowledged',
        at,
        actor: actorOf(p),
        status: ack.status,
        note: ack.note,
        ...(p.displayName ? { actorName: p.displayName } : {}),
        ...(ack.etaMinutes ? { etaMinutes: ack.etaMinutes } : {}),
      },
      render,
    );
    this.log.info({ alertId, by: actorOf(p), status: ack.status }, 'alert acknowledged');
    this.announce(alert, event);
    return alert;
  }

  async close(p: Principal, alertId: string, c: Close): Promise<Alert> {
    const a = await this.visible(p, alertId);
    const storeOnly = p.kind === 'user' ? p.role === 'member' : p.duty === 'store';
    if (storeOnly && a.store !== p.store) throw forbidden('a store closes only its own alerts');
    if (a.status === 'closed') throw new HubError('conflict', `alert "${alertId}" is already closed`);
    const at = this.now().toISOString();
    const { alert, event } = await this.repo.updateAlert(
      a.id,
      { status: 'closed', closedAt: at, outcome: c.outcome, escalatesAt: null },
      { kind: 'closed', at, actor: actorOf(p), outcome: c.outcome, note: c.note },
      render,
    );
    this.log.info({ alertId, by: actorOf(p), outcome: c.outcome }, 'alert closed');
    this.announce(alert, event);
    return alert;
  }

  /**
   * More about an open alert without changing its state, e.g. a confirmed subject seen again:
   * an `updated` timeline entry, announced like any event (zone topic, catch-up, receipts).
   */
  async update(alertId: string, note: string, actor: Actor): Promise<Alert | null> {
    const a = await this.repo.getAlert(alertId);
    if (!a || a.status === 'closed') return null;
    const at = this.now().toISOString();
    const { alert, event } = await this.repo.updateAlert(a.id, {}, { kind: 'updated', at, actor, note }, render);
    this.log.info({ alertId, by: actor }, 'alert updated');
    this.announce(alert, event);
    return alert;
  }

  /**
   * Widens every alert whose window passed without anyone attending to the whole scheme. Each
   * escalation is claimed by a conditional write (still due?), and only the caller whose claim
   * succeeded announces it: two hub nodes running this at once escalate each alert once.
   * `keepGoing` is asked before each claim, so a node that just lost the lead stops at once.
   */
  async escalateDue(keepGoing: () => boolean = () => true): Promise<number> {
    const due = await this.repo.dueEscalations(this.now().toISOString());
    let escalated = 0;
    for (const a of due) {
      if (!keepGoing()) break;
      const at = this.now().toISOString();
      const claimed = await this.repo.updateAlertIfDue(
        a.id,
        at,
        { status: 'escalated', priority: true, escalatesAt: null },
        {
          kind: 'escalated',
          at,
          actor: { kind: 'hub', id: 'escalation' },
          note: 'no one attending within the escalation window',
        },
        render,
      );
      if (!claimed) continue; // attended, closed or escalated by another node in the meantime
      escalated++;
      this.log.warn({ alertId: a.id, zone: a.zone }, 'alert escalated to the whole scheme');
      this.announce(claimed.alert, claimed.event);
    }
    return escalated;
  }

  /** A device confirms it has the alert's events up to `seq` (or all sent so far). */
  async receipt(p: Principal, alertId: string, seq: number | null): Promise<boolean> {
    // `visible()`'s rule, handed to storage so that check and write are one step: every radio
    // confirms every alert, and on PostgreSQL four round trips each queued the fleet behind them.
    // An edge box sees no alert, not even a scheme-wide one: refused without asking storage.
    if (!seesZone(p, '', true)) throw notFound(`alert "${alertId}"`);
    const from = { deviceId: p.id, scheme: p.scheme, zones: p.zones };
    const taken = await this.repo.recordVisibleReceipt(from, alertId, seq, this.now().toISOString());
    if (!taken) throw notFound(`alert "${alertId}"`);
    if (taken.advanced) {
      const { scheme, zone, seq: upTo } = taken;
      this.bus.emit('delivery', { scheme, zone, alertId, deviceId: p.id, seq: upTo });
    }
    return taken.advanced;
  }

  /** Up to `limit` alerts the principal may see, newest first (the browser's welcome list). */
  async list(p: Principal, f: Omit<AlertFilter, 'scheme' | 'zones'>): Promise<AlertWithDeliveries[]> {
    return (await this.page(p, f)).alerts;
  }

  /**
   * One page of the listing, newest first, and the cursor of the next page (null at the end).
   * Timelines and receipts are read `batch` alerts per query. On the event loop (the fallback) a
   * small batch per turn keeps a raise's PUBACK fast while 500 alerts of a 10,000-device fleet are
   * built. The listing worker reads a whole page at once instead (listing-page.ts).
   */
  async page(p: Principal, f: PageFilter, batch = 20): Promise<AlertPage> {
    const { rows: alerts, nextCursor } = await this.pageRows(p, f);
    const out: AlertWithDeliveries[] = [];
    const slice = new TimeSlice();
    const step = Math.max(1, Math.floor(batch));
    for (let i = 0; i < alerts.length; i += step) {
      await slice.yieldIfDue();
      const chunk = alerts.slice(i, i + step);
      const timelines = await this.repo.timelines(chunk.map((a) => a.id));
      out.push(...(await this.withDeliveries(chunk.map((a) => ({ ...a, timeline: timelines.get(a.id) ?? [] })))));
    }
    return { alerts: out, nextCursor };
  }

  /** The alerts of one page, without timelines, in listing order, and the next page's cursor. */
  async pageRows(p: Principal, f: PageFilter): Promise<{ rows: NewAlert[]; nextCursor: string | null }> {
    const { cursor, ...filter } = f;
    const before = cursor === undefined ? undefined : decodeCursor(cursor);
    // One more than asked tells whether a next page exists without a second query.
    const rows = await this.repo.pageAlerts({
      ...filter,
      limit: f.limit + 1,
      before,
      scheme: p.scheme,
      zones: p.zones,
    });
    const more = rows.length > f.limit;
    const page = more ? rows.slice(0, f.limit) : rows;
    const last = page.at(-1);
    return { rows: page, nextCursor: more && last ? encodeCursor(last) : null };
  }

  /** `deliveries`: the receipts of these alerts when the caller has read them already. */
  async withDeliveries(alerts: Alert[], deliveries?: Map<string, Delivery[]>): Promise<AlertWithDeliveries[]> {
    const receipts = deliveries ?? (await this.repo.deliveries(alerts.map((a) => a.id)));
    const out: AlertWithDeliveries[] = [];
    for (const a of alerts) {
      const got = receipts.get(a.id) ?? [];
      const last = a.timeline.at(-1)?.seq ?? 0;
      const confirmed = new Set(got.filter((d) => d.lastSeq >= last).map((d) => d.deviceId));
      const expected = await this.dir.recipients(a.scheme, a.zone, a.priority);
      out.push({ ...a, deliveries: got, undelivered: expected.filter((id) => !confirmed.has(id)) });
    }
    return out;
  }
}

export type PageFilter = Omit<AlertFilter, 'scheme' | 'zones' | 'before'> & { cursor?: string };

export interface AlertPage {
  alerts: AlertWithDeliveries[];
  nextCursor: string | null;
}

/** The cursor is opaque to clients: base64url of the last alert's (raisedAt, id). */
function encodeCursor(a: { raisedAt: string; id: string }): string {
  return Buffer.from(JSON.stringify([a.raisedAt, a.id])).toString('base64url');
}

function decodeCursor(cursor: string): { raisedAt: string; id: string } {
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    const [raisedAt, id] = Array.isArray(v) && v.length === 2 ? v : [];
    if (typeof raisedAt === 'string' && typeof id === 'string' && raisedAt.length <= 40 && id.length <= 64)
      return { raisedAt, id };
  } catch {
    // falls through to the error below
  }
  throw new HubError('bad_request', 'cursor is not one this hub handed out; start again without it');
}
