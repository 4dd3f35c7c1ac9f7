/** How a frame is offered: how much it is worth now, and until when it is worth anything. */
export interface OfferTerms {
  /**
   * Higher goes first when slots are scarce (the matcher: 2 = a gallery match forming on the
   * camera, 1 = a face track in progress, 0 = motion only). Default 0.
   */
  priority?: number;
  /**
   * Wall-clock ms after which the frame is not worth starting: still waiting then, it is skipped
   * (and counted) instead of delaying every frame behind it. Default: never.
   */
  deadline?: number;
}

export interface SchedulerOptions {
  /**
   * A waiting camera not served for this long goes first whatever the priorities, so a camera with
   * motion only still gets a frame now and then (a face appearing there is found within about this
   * long) however many cameras have tracks in progress. Default 1500 ms.
   */
  starveMs?: number;
  /** Clock (tests). */
  now?: () => number;
}

interface Waiting<T> {
  item: T;
  /** Place in line (`seq` tick of the camera's first frame waiting). */
  since: number;
  /** Wall-clock ms when the camera's first frame waiting was offered (replacements keep it). */
  waitingSince: number;
  /** Wall-clock ms when this very frame was offered (its queue wait counts from here). */
  offeredAt: number;
  priority: number;
  deadline: number;
}

/** Queue waits remembered for percentiles (tests, health). */
const RECENT_WAITS = 512;

/**
 * Deadline-aware, fair back-pressure for frames from many cameras on a few inference slots.
 *
 * Each camera has at most one frame in flight and one waiting; a newer frame replaces the
 * waiting one (a fresh frame is worth more than a stale one) and the replaced frame is counted
 * as skipped for that camera. When a slot frees, the next frame is chosen by, in order:
 *  1. a camera starved for `starveMs` (no camera is shut out by busier ones);
 *  2. the frame's priority: frames of cameras where faces are being followed go before frames
 *     where something merely moved (issue 15: when all subjects pass at once, the frames that can
 *     still confirm a match are the ones worth a slot);
 *  3. the camera served least recently, then the one waiting longest (round robin: equal frames
 *     are skipped evenly across cameras — frames of all cameras arrive in the same order every
 *     interval, and by waiting time alone the last in line would be the one replaced every time).
 * A frame whose deadline passed while it waited is skipped, not started: it could only make the
 * frames behind it late too. Nothing backs up unseen: every frame is started or counted skipped.
 */
export class FairScheduler<T> {
  private inFlight = new Set<string>();
  private waiting = new Map<string, Waiting<T>>();
  private seq = 0;
  /** When each camera last got a slot (in `seq` ticks). */
  private lastServed = new Map<string, number>();
  private idleWaiters: (() => void)[] = [];
  private readonly starveMs: number;
  private readonly now: () => number;
  /** Frames replaced or expired before they were analysed, by camera. */
  readonly skipped = new Map<string, number>();
  /** Of those, frames skipped because their deadline passed while they waited, by camera. */
  readonly late = new Map<string, number>();
  /** Frames handed to `run`, by camera. */
  readonly started = new Map<string, number>();
  /** How long the last frames started waited for a slot, ms (at most {@link RECENT_WAITS}). */
  readonly recentWaits: number[] = [];

  constructor(
    private readonly slots: () => number,
    private readonly run: (key: string, item: T) => Promise<void>,
    private readonly onSkip: (key: string, item: T, why: 'replaced' | 'late') => void = () => {},
    opts: SchedulerOptions = {},
  ) {
    this.starveMs = opts.starveMs ?? 1500;
    this.now = opts.now ?? Date.now;
  }

  /** Offers a camera's newest frame; returns whether an older waiting frame was skipped for it. */
  offer(key: string, item: T, terms: OfferTerms = {}): boolean {
    const old = this.waiting.get(key);
    if (old) this.skip(key, old, 'replaced');
    const now = this.now();
    // A replacement keeps its camera's place in line: the wait counts from the first frame.
    this.waiting.set(key, {
      item,
      since: old?.since ?? this.seq++,
      waitingSince: old?.waitingSince ?? now,
      offeredAt: now,
      priority: terms.priority ?? 0,
      deadline: terms.deadline ?? Number.POSITIVE_INFINITY,
    });
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

  private skip(key: string, w: Waiting<T>, why: 'replaced' | 'late'): void {
    this.skipped.set(key, (this.skipped.get(key) ?? 0) + 1);
    if (why === 'late') this.late.set(key, (this.late.get(key) ?? 0) + 1);
    this.onSkip(key, w.item, why);
  }

  /** The waiting camera to serve next (see the class comment), or undefined. */
  private pick(now: number): string | undefined {
    let next: string | undefined;
    let best: number[] = [];
    for (const [key, w] of this.waiting) {
      if (this.inFlight.has(key)) continue;
      const starved = now - w.waitingSince >= this.starveMs;
      const rank = [starved ? 0 : 1, -w.priority, this.lastServed.get(key) ?? -1, w.since];
      if (next === undefined || lexLess(rank, best)) {
        next = key;
        best = rank;
      }
    }
    return next;
  }

  private pump(): void {
    const now = this.now();
    for (const [key, w] of this.waiting) {
      if (w.deadline < now) {
        this.waiting.delete(key);
        this.skip(key, w, 'late');
      }
    }
    while (this.inFlight.size < this.slots()) {
      const key = this.pick(now);
      if (key === undefined) break;
      const w = this.waiting.get(key)!;
      this.waiting.delete(key);
      this.inFlight.add(key);
      this.lastServed.set(key, this.seq++);
      this.started.set(key, (this.started.get(key) ?? 0) + 1);
      this.recentWaits.push(now - w.offeredAt);
      if (this.recentWaits.length > RECENT_WAITS) this.recentWaits.shift();
      // `run` handles its own errors; the catch only keeps a bug there from stalling the line.
      void this.run(key, w.item)
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
    // Frames skipped as late may have emptied the line.
    if (this.inFlight.size === 0 && this.waiting.size === 0)
      this.idleWaiters.splice(0).forEach((r) => {
        r();
      });
  }
}

function lexLess(a: number[], b: number[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! < b[i]!;
  return false;
}
