import type { WsServerMessage } from '@shopwatch/protocols';
import type { Store } from './store';
import { cleanText } from './text';

export interface LiveHooks {
  /** A live event told this browser about something new (for sound and vibration). */
  onNews?: (kind: 'raised' | 'escalated' | 'missed', alertIds: string[]) => void;
  /** A new gallery-match candidate waits for review. */
  onReview?: (candidateId: string) => void;
  /** The hub refused the token: the session is over. */
  onUnauthenticated?: () => void;
  /** Connected (again) and welcomed: time to refresh lists the socket does not carry. */
  onWelcome?: (reconnect: boolean) => void;
}

const PING_EVERY_MS = 10_000;
const PONG_WITHIN_MS = 5_000;
const MAX_BACKOFF_MS = 8_000;

/**
 * The browser WebSocket to the hub. Reconnects with capped, jittered back-off; notices a dead
 * link (phones on patchy mobile data often keep a socket "open" that carries nothing) with its
 * own ping; and after every reconnection merges the hub's `welcome` list, marking the alerts
 * that were raised while this browser was away as missed.
 */
export class LiveLink {
  private ws: WebSocket | null = null;
  private stopped = false;
  private attempts = 0;
  private welcomed = 0;
  private timers: ReturnType<typeof setTimeout>[] = [];
  private pingTimer: ReturnType<typeof setInterval> | null = null;
  private pongDue: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private store: Store,
    private hooks: LiveHooks = {},
    private url = defaultUrl,
  ) {}

  start() {
    this.stopped = false;
    window.addEventListener('online', this.kick);
    window.addEventListener('offline', this.lost);
    document.addEventListener('visibilitychange', this.kick);
    this.connect();
  }

  stop() {
    this.stopped = true;
    window.removeEventListener('online', this.kick);
    window.removeEventListener('offline', this.lost);
    document.removeEventListener('visibilitychange', this.kick);
    this.clearTimers();
    this.ws?.close(1000, 'logged out');
    this.ws = null;
  }

  /** When the phone regains a network or the page is shown again, do not wait for the back-off. */
  private kick = () => {
    if (this.stopped || document.visibilityState === 'hidden') return;
    if (!this.ws || this.ws.readyState === WebSocket.CLOSED) {
      this.clearTimers();
      this.connect();
    } else if (this.ws.readyState === WebSocket.OPEN) this.ping();
  };

  /** The device says it has no network: show it at once rather than after the ping times out. */
  private lost = () => {
    if (this.stopped || !this.ws) return;
    const ws = this.ws;
    this.ws = null;
    this.clearTimers();
    ws.close();
    this.retry('no network');
  };

  private clearTimers() {
    this.timers.forEach(clearTimeout);
    this.timers = [];
    if (this.pingTimer) clearInterval(this.pingTimer);
    if (this.pongDue) clearTimeout(this.pongDue);
    this.pingTimer = this.pongDue = null;
  }

  private setConnection(state: 'connecting' | 'online' | 'offline', error: string | null = null) {
    this.store.update((s) => ({
      connection: {
        state,
        since: s.connection.state === state ? s.connection.since : Date.now(),
        error,
        attempts: this.attempts,
      },
    }));
  }

  private connect() {
    if (this.stopped) return;
    this.setConnection(this.welcomed ? 'offline' : 'connecting', this.store.get().connection.error);
    let ws: WebSocket;
    try {
      ws = new WebSocket(this.url());
    } catch (e) {
      return this.retry((e as Error).message);
    }
    this.ws = ws;
    ws.onmessage = (ev) => this.receive(ev.data);
    ws.onopen = () => {
      this.pingTimer = setInterval(() => this.ping(), PING_EVERY_MS);
    };
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (this.pingTimer) clearInterval(this.pingTimer);
      if (this.pongDue) clearTimeout(this.pongDue);
      if (ev.code === 4001) {
        this.setConnection('offline', 'session expired');
        this.hooks.onUnauthenticated?.();
        return;
      }
      this.retry(ev.reason || 'connection lost');
    };
  }

  private retry(reason: string) {
    if (this.stopped) return;
    this.attempts++;
    this.setConnection('offline', reason);
    const base = Math.min(MAX_BACKOFF_MS, 500 * 2 ** Math.min(this.attempts - 1, 5));
    this.timers.push(setTimeout(() => this.connect(), base / 2 + Math.random() * (base / 2)));
  }

  private ping() {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN || this.pongDue) return;
    ws.send(JSON.stringify({ type: 'ping' }));
    this.pongDue = setTimeout(() => {
      this.pongDue = null;
      // No answer: the link is dead even if the socket says otherwise.
      ws.close();
      if (this.ws === ws) {
        this.ws = null;
        this.retry('no answer from the hub');
      }
    }, PONG_WITHIN_MS);
  }

  private receive(data: unknown) {
    let m: WsServerMessage;
    try {
      m = cleanText(JSON.parse(String(data)) as WsServerMessage);
    } catch {
      return;
    }
    switch (m.type) {
      case 'welcome': {
        const reconnect = this.welcomed > 0;
        this.welcomed++;
        this.attempts = 0;
        this.store.update(() => ({ user: m.user }));
        const fresh = this.store.mergeAlerts(m.alerts, { missed: reconnect });
        this.setConnection('online');
        if (!reconnect) performance.mark('shopwatch:welcome');
        if (reconnect && fresh.length) this.hooks.onNews?.('missed', fresh);
        this.hooks.onWelcome?.(reconnect);
        break;
      }
      case 'alert': {
        const news = this.store.applyEvent(m.event, m.recipients);
        if (news && (m.event.event === 'raised' || m.event.event === 'escalated'))
          this.hooks.onNews?.(m.event.event, [m.event.alert.id]);
        break;
      }
      case 'delivery':
        this.store.applyDelivery(m.alertId, m.deviceId, m.seq);
        break;
      case 'device':
        this.store.applyDeviceStatus(m.status);
        break;
      case 'camera':
        this.store.applyCamera(m.status);
        break;
      case 'review':
        this.store.mergeCandidates([m.event.candidate]);
        if (m.event.event === 'pending') this.hooks.onReview?.(m.event.candidate.id);
        break;
      case 'pong':
        if (this.pongDue) clearTimeout(this.pongDue);
        this.pongDue = null;
        break;
      case 'error':
        if (m.error.code === 'unauthenticated') {
          this.stopped = true;
          this.hooks.onUnauthenticated?.();
        }
        break;
      case 'result':
        break;
    }
  }
}

/** No token in the URL (URLs end up in logs): the browser sends the session cookie with the upgrade. */
function defaultUrl() {
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${proto}//${location.host}/ws`;
}
