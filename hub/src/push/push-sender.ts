import webpush from 'web-push';
import type { AlertEvent, PushMessage } from '@shopwatch/protocols';
import { seesZone, userPrincipal } from '../auth/principal';
import type { EventBus, HubEvents } from '../bus';
import type { HubDirectory } from '../directory-interface';
import type { Logger } from '../log';
import type { Repository } from '../storage/repository';
import type { PushSubscriptionRepository, StoredSubscription } from '../storage/push-subscription-repository';
import type { VapidKeys } from './vapid-keys';

export interface PushSenderOptions {
  /** VAPID `sub` claim: a contact for the push service operator (RFC 8292 section 2.1). */
  subject?: string;
  /** How long a push service keeps an undelivered message; an alert is stale after this. */
  ttlSeconds?: number;
  timeoutMs?: number;
}

const EVENT_TEXT: Record<AlertEvent['event'], string> = {
  raised: 'New alert',
  acknowledged: 'Acknowledged',
  escalated: 'ESCALATED',
  closed: 'Closed',
  updated: 'Seen again',
};

/**
 * Sends a Web Push message (RFC 8030, payload encrypted per RFC 8291 with aes128gcm, VAPID per
 * RFC 8292) for every alert event to each subscribed person whose scope receives it: the same
 * rule as the browser WebSocket (`seesZone`). The request is built by `web-push` and sent with
 * fetch, so the transport has a timeout and the push service answer is ours to read: 404 and
 * 410 mean the subscription is gone and it is deleted.
 */
export class PushSender {
  private inFlight = new Set<Promise<void>>();
  private stopBus: (() => void) | null = null;
  readonly sent = { ok: 0, failed: 0, removed: 0 };

  constructor(
    private subs: PushSubscriptionRepository,
    private repo: Repository,
    private dir: HubDirectory,
    private keys: VapidKeys,
    private log: Logger,
    private opts: PushSenderOptions = {},
  ) {}

  start(bus: EventBus): void {
    // Sent once in a cluster: by the node where the event happened (bus.ts `Origin`).
    this.stopBus = bus.on('alert', (e) => this.track(this.fanOut(e)), { origin: 'local' });
  }

  /** Stops listening and waits for the messages already on their way. */
  async stop(): Promise<void> {
    this.stopBus?.();
    await Promise.allSettled([...this.inFlight]);
  }

  private track(p: Promise<void>) {
    const done = p
      .catch((err) => this.log.error({ err }, 'push fan-out failed'))
      .finally(() => this.inFlight.delete(done));
    this.inFlight.add(done);
  }

  private async fanOut(e: HubEvents['alert']): Promise<void> {
    const subs = await this.subs.forScheme(e.scheme);
    if (subs.length === 0) return;
    const scheme = await this.dir.scheme(e.scheme);
    const message = JSON.stringify(this.message(e.event, scheme.stores));
    const users = new Map<string, boolean>();
    for (const s of subs) {
      if (!users.has(s.username)) {
        const u = await this.repo.getUser(s.username);
        users.set(s.username, !!u && seesZone(userPrincipal(u, scheme), e.zone, e.scope === 'scheme'));
      }
    }
    const urgent = e.event.event === 'escalated' || ['high', 'critical'].includes(e.event.alert.severity);
    const mine = subs.filter((s) => users.get(s.username));
    await Promise.all(mine.map((s) => this.send(s, message, urgent, e.event.alert.id)));
  }

  message(ev: AlertEvent, stores: { id: string; name: string }[]): PushMessage {
    const a = ev.alert;
    const place = a.store ? (stores.find((s) => s.id === a.store)?.name ?? a.store) : `zone ${a.zone}`;
    const what = `${a.severity} ${a.type.replace('-', ' ')}`;
    return {
      alertId: a.id,
      event: ev.event,
      seq: ev.seq,
      severity: a.severity,
      title: `${EVENT_TEXT[ev.event]}: ${what} at ${place}`.slice(0, 120),
      body: (a.message ?? `${what} at ${place}`).slice(0, 300),
      url: `/field?alert=${encodeURIComponent(a.id)}`,
    };
  }

  private async send(s: StoredSubscription, payload: string, urgent: boolean, alertId: string): Promise<void> {
    const subscription = { endpoint: s.endpoint, keys: { p256dh: s.p256dh, auth: s.auth } };
    const details = webpush.generateRequestDetails(subscription, payload, {
      vapidDetails: {
        subject: this.opts.subject ?? 'mailto:shopwatch@example.invalid',
        publicKey: this.keys.publicKey,
        privateKey: this.keys.privateKey,
      },
      TTL: this.opts.ttlSeconds ?? 3600,
      urgency: urgent ? 'high' : 'normal',
      contentEncoding: 'aes128gcm',
      // A newer event of the same alert replaces one the phone has not fetched yet (RFC 8030 5.4).
      ...(/^[A-Za-z0-9_-]{1,32}$/.test(alertId) ? { topic: alertId } : {}),
    });
    try {
      const res = await fetch(details.endpoint, {
        method: details.method,
        headers: details.headers as Record<string, string>,
        body: new Uint8Array(details.body as Buffer),
        redirect: 'error',
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 10_000),
      });
      await res.body?.cancel();
      if (res.status === 404 || res.status === 410) {
        await this.subs.drop(s.endpoint);
        this.sent.removed++;
        this.log.info({ user: s.username, status: res.status }, 'push subscription expired; removed');
      } else if (res.ok) {
        this.sent.ok++;
      } else {
        this.sent.failed++;
        this.log.warn({ user: s.username, status: res.status }, 'push service refused a message');
      }
    } catch (err) {
      this.sent.failed++;
      this.log.warn({ user: s.username, err: (err as Error).message }, 'push service unreachable');
    }
  }
}
