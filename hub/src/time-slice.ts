import { setImmediate as nextTurn } from 'node:timers/promises';

/**
 * Cooperative time slicing for long loops on the event loop: `yieldIfDue()` gives other work
 * (MQTT packets, their PUBACKs) a turn once `budgetMs` has been spent since the last turn.
 * A few milliseconds keeps a raise's acknowledgement fast while a big listing is built.
 */
export class TimeSlice {
  private since = performance.now();
  constructor(private budgetMs = 1) {}

  async yieldIfDue(): Promise<void> {
    if (performance.now() - this.since < this.budgetMs) return;
    await nextTurn();
    this.since = performance.now();
  }
}
