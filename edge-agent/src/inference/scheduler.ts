/**
 * Fair back-pressure for frames from many cameras on a few inference slots.
 *
 * Each camera has at most one frame in flight and one waiting; a newer frame replaces the
 * waiting one (a fresh frame is worth more than a stale one) and the replaced frame is counted
 * as skipped for that camera. When a slot frees, the waiting camera served least recently goes
 * next (then the one waiting longest), so under overload the cameras are served in turn and the
 * skips spread evenly — never a backlog that grows unseen, never one camera starving the others.
 * (Waiting time alone is not enough: frames of all cameras arrive in the same order every
 * interval, and the last in line would be the one replaced every time.)
 */
export class FairScheduler<T> {
  private inFlight = new Set<string>();
  private waiting = new Map<string, { item: T; since: number }>();
  private seq = 0;
  /** When each camera last got a slot (in `seq` ticks). */
  private lastServed = new Map<string, number>();
  private idleWaiters: (() => void)[] = [];
  /** Frames replaced before they were analysed, by camera. */
  readonly skipped = new Map<string, number>();
  /** Frames handed to `run`, by camera. */
  readonly started = new Map<string, number>();

  constructor(
    private readonly slots: () => number,
    private readonly run: (key: string, item: T) => Promise<void>,
    private readonly onSkip: (key: string, item: T) => void = () => {},
  ) {}

  /** Offers a camera's newest frame; returns whether an older waiting frame was skipped for it. */
  offer(key: string, item: T): boolean {
    const old = this.waiting.get(key);
    if (old) {
      this.skipped.set(key, (this.skipped.get(key) ?? 0) + 1);
      this.onSkip(key, old.item);
    }
    // A replacement keeps its camera's place in line: the wait counts from the first frame.
    this.waiting.set(key, { item, since: old?.since ?? this.seq++ });
    this.pump();
    return old !== undefined;
  }

  /** Resolves when nothing is in flight or waiting (tests, shutdown). */
  idle(): Promise<void> {
    if (this.inFlight.size === 0 && this.waiting.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  get totalSkipped(): number {
    let n = 0;
    for (const v of this.skipped.values()) n += v;
    return n;
  }

  private pump(): void {
    while (this.inFlight.size < this.slots()) {
      let next: string | undefined;
      let best: [number, number] = [Infinity, Infinity];
      for (const [key, w] of this.waiting) {
        if (this.inFlight.has(key)) continue;
        const rank: [number, number] = [this.lastServed.get(key) ?? -1, w.since];
        if (rank[0] < best[0] || (rank[0] === best[0] && rank[1] < best[1])) {
          next = key;
          best = rank;
        }
      }
      if (next === undefined) break;
      const { item } = this.waiting.get(next)!;
      this.waiting.delete(next);
      this.inFlight.add(next);
      this.lastServed.set(next, this.seq++);
      this.started.set(next, (this.started.get(next) ?? 0) + 1);
      const key = next;
      // `run` handles its own errors; the catch only keeps a bug there from stalling the line.
      void this.run(key, item)
        .catch(() => {})
        .finally(() => {
          this.inFlight.delete(key);
          this.pump();
          if (this.inFlight.size === 0 && this.waiting.size === 0)
            this.idleWaiters.splice(0).forEach((r) => {
              r();
            });
        });
    }
  }
}
