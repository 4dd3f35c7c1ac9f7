import type { AckStatus, AlertRaise, Outcome } from '@shopwatch/protocols';
import { ALERT_TYPES, newClientRef } from './labels';
import { type Api, ApiError } from './api';
import type { Store } from './store';

export type RaiseInput = Omit<AlertRaise, 'clientRef'>;
export type RaiseResult = { ok: true; id: string } | { ok: false; queued: boolean; error: string; clientRef: string };

/**
 * What the screens do to alerts. Raises carry a clientRef chosen here, so a raise that fails on
 * the network is queued and sent again with the same clientRef when the hub answers: the hub
 * returns the same alert instead of a duplicate.
 */
export class Actions {
  private queue = new Map<string, AlertRaise>();

  constructor(
    private api: Api,
    private store: Store,
  ) {}

  async raise(input: RaiseInput): Promise<RaiseResult> {
    const r: AlertRaise = { ...input, clientRef: newClientRef() };
    return this.send(r);
  }

  private async send(r: AlertRaise): Promise<RaiseResult> {
    try {
      const a = await this.api.raise(r);
      this.queue.delete(r.clientRef);
      this.store.update((s) => ({ pending: s.pending.filter((p) => p.clientRef !== r.clientRef) }));
      this.store.mergeAlerts([a]);
      return { ok: true, id: a.id };
    } catch (e) {
      if (e instanceof ApiError) {
        // The hub refused it: sending it again would not help.
        this.queue.delete(r.clientRef);
        this.store.update((s) => ({ pending: s.pending.filter((p) => p.clientRef !== r.clientRef) }));
        return { ok: false, queued: false, error: e.message, clientRef: r.clientRef };
      }
      const error = 'no connection to the hub; it will be sent when the connection is back';
      if (!this.queue.has(r.clientRef)) {
        this.queue.set(r.clientRef, r);
        this.store.update((s) => ({
          pending: [
            ...s.pending,
            { clientRef: r.clientRef, label: ALERT_TYPES[r.type].label, since: Date.now(), error },
          ],
        }));
      }
      return { ok: false, queued: true, error, clientRef: r.clientRef };
    }
  }

  /** Sends every queued raise again, oldest first; called when the live link is welcomed. */
  async flush() {
    for (const r of [...this.queue.values()]) {
      const res = await this.send(r);
      if (!res.ok && res.queued) break;
    }
  }

  async ack(alertId: string, status: AckStatus, note?: string, etaMinutes?: number) {
    const a = await this.api.ack(alertId, { status, ...(note ? { note } : {}), ...(etaMinutes ? { etaMinutes } : {}) });
    this.store.applyEvent({ event: 'acknowledged', seq: a.timeline.at(-1)!.seq, at: a.timeline.at(-1)!.at, alert: a });
    return a;
  }

  async close(alertId: string, outcome: Outcome, note?: string) {
    const a = await this.api.close(alertId, note ? { outcome, note } : { outcome });
    this.store.applyEvent({ event: 'closed', seq: a.timeline.at(-1)!.seq, at: a.timeline.at(-1)!.at, alert: a });
    return a;
  }

  async refreshReview() {
    this.store.mergeCandidates(await this.api.reviewQueue('all'));
  }

  async refreshDevices() {
    this.store.setDevices(await this.api.devices());
  }

  /** After a reconnection: learn how alerts that closed while this browser was away ended. */
  async refreshRecent() {
    const closed = await this.api.alerts({ status: 'closed', limit: 50 });
    this.store.mergeAlerts(closed);
  }
}
