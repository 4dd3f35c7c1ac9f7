import type { EventBus } from '../bus';
import type { Logger } from '../log';
import type { Repository } from '../storage/repository';
import type { AlertService } from './service';

/** Longest single sleep; the scheduler re-reads storage at least this often. */
const MAX_SLEEP_MS = 30_000;

/**
 * Fires escalations on time. The due times live in storage (alerts.escalates_at), so after a
 * restart the timer is simply rebuilt from there and overdue alerts escalate at once.
 */
export class EscalationScheduler {
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private stopped = false;
  private off: () => void = () => {};

  constructor(
    private repo: Repository,
    private alerts: AlertService,
    private bus: EventBus,
    private log: Logger,
  ) {}

  start() {
    this.off = this.bus.on('alert', () => void this.arm());
    void this.arm();
  }

  stop() {
    this.stopped = true;
    this.off();
    if (this.timer) clearTimeout(this.timer);
  }

  private async arm() {
    if (this.stopped) return;
    const next = await this.repo.nextEscalationAt();
    if (this.timer) clearTimeout(this.timer);
    const wait = next ? Math.max(0, Date.parse(next) - Date.now()) : MAX_SLEEP_MS;
    this.timer = setTimeout(() => void this.fire(), Math.min(wait, MAX_SLEEP_MS));
    this.timer.unref();
  }

  private async fire() {
    if (this.running || this.stopped) return;
    this.running = true;
    try {
      await this.alerts.escalateDue();
    } catch (err) {
      this.log.error({ err }, 'escalation failed; will retry');
    } finally {
      this.running = false;
      void this.arm();
    }
  }
}
