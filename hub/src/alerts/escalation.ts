import type { EventBus } from '../bus';
import type { Logger } from '../log';
import type { Repository } from '../storage/repository';
import type { AlertService } from './service';

/** Longest single sleep of a single node; it re-reads storage at least this often. */
const MAX_SLEEP_MS = 30_000;
/** How often a cluster's leader re-reads due escalations (alerts raised on any node). */
export const CLUSTER_ESCALATION_POLL_MS = 400;

/**
 * Fires escalations on time. The due times live in storage (alerts.escalates_at), so after a
 * restart the timer is simply rebuilt from there and overdue alerts escalate at once.
 * In a cluster the leader runs it with a short `maxSleepMs` (a poll): alerts raised on other
 * nodes never reach this node's bus, so storage is re-read every few hundred milliseconds.
 * It can be stopped and started again as leadership moves.
 */
export class EscalationScheduler {
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private stopped = true;
  private off: () => void = () => {};

  constructor(
    private repo: Repository,
    private alerts: AlertService,
    private bus: EventBus,
    private log: Logger,
    private maxSleepMs = MAX_SLEEP_MS,
  ) {}

  start() {
    if (!this.stopped) return;
    this.stopped = false;
    this.off = this.bus.on('alert', () => void this.arm());
    void this.arm();
  }

  stop() {
    this.stopped = true;
    this.off();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private async arm() {
    if (this.stopped) return;
    let next: string | null;
    try {
      next = await this.repo.nextEscalationAt();
    } catch (err) {
      this.log.error({ err }, 'reading the next escalation failed; will retry');
      next = null;
    }
    if (this.stopped) return; // stopped while reading: arming now would leave a timer behind
    if (this.timer) clearTimeout(this.timer);
    const wait = next ? Math.max(0, Date.parse(next) - Date.now()) : this.maxSleepMs;
    this.timer = setTimeout(() => void this.fire(), Math.min(wait, this.maxSleepMs));
    this.timer.unref();
  }

  private async fire() {
    if (this.running || this.stopped) return;
    this.running = true;
    try {
      await this.alerts.escalateDue(() => !this.stopped);
    } catch (err) {
      this.log.error({ err }, 'escalation failed; will retry');
    } finally {
      this.running = false;
      void this.arm();
    }
  }
}
