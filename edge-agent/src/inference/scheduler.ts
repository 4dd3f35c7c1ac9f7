/** How a frame is offered: how much it is worth now, and until when it is worth anything. */
export interface OfferTerms {
  /**
   * Higher gets a larger share of the slots when they are scarce: a camera's frames are served
   * `1 + priority` times as often as those of a priority-0 camera (the matcher: 2 = a gallery match
   * forming on the camera, 1 = a face track in progress, 0 = motion only). Default 0.
   */
  priority?: number;
  /**
   * Wall-clock ms after which the frame is not worth starting: still waiting then, it is skipped
   * (and counted) instead of delaying every frame behind it. Default: never.
   */
  deadline?: number;
}

export interface SchedulerOptions {
  /** Clock (tests). */
  now?: () => number;
  /**
   * Frames a camera may have waiting (default 2). A synchronised burst is absorbed by letting a
   * frame wait (its deadline still bounds how long); only over this bound is the oldest one replaced.
   */
  maxWaitingPerCamera?: number;
}

/** One frame waiting for a slot. */
interface Waiting<T> {
  item: T;
  /** Wall-clock ms when this very frame was offered (its queue wait counts from here). */
  offeredAt: number;
  priority: number;
  deadline: number;
}

/** A camera's line: its waiting frames, oldest first, and its place among the cameras. */
interface Line<T> {
  frames: Waiting<T>[];
  /** Place in line (`seq` tick when the camera's head frame started waiting). */
  since: number;
  /** Virtual start: tagged when the camera started waiting (frames joining or replaced keep it). */
  start: number;
}

/** Queue waits remembered for percentiles (tests, health). */
const RECENT_WAITS = 512;

/**
 * Deadline-aware, weighted fair back-pressure for frames from many cameras on a few inference slots.
 *
 * Each camera has at most one frame in flight and a short line of waiting frames (by default 2),
 * served oldest first so its tracks see frames in capture order. Issue 15: when every camera's
 * subject passes at the same instant the frames arrive together; with room for one waiting frame
 * a camera's frame was replaced by its next one 200 ms later although its deadline let it wait,
 * and the bench skipped 2 % of frames on a box only half busy. Over the bound the oldest waiting
 * frame is replaced (a fresh frame is worth more than a stale one) and counted as skipped for
 * that camera. When a slot frees, the next camera is chosen by weighted fair
 * queueing: each camera carries a virtual finish time that grows by `1 / (1 + priority)` with each
 * frame served, and the smallest goes next. So cameras where faces are being followed get two or
 * three times the share of one where something merely moved (issue 15: when all subjects pass at
 * once, the frames that can still confirm a match are the ones worth a slot), yet no camera is
 * shut out — a face that appears where nothing was followed is still looked at within a few turns,
 * which strict priority did not do (measured: on 8 cameras all bursting at once, cameras served
 * last found their subject after its 2 s pass was over). Among equals this is round robin: skips
 * spread evenly (frames of all cameras arrive in the same order every interval, and by waiting
 * time alone the last in line would be the one replaced every time). A camera that was idle
 * starts from the current virtual time: it gets no credit for the time it had nothing to show.
 * A frame whose deadline passed while it waited is skipped, not started: it could only make the
 * frames behind it late too. Nothing backs up unseen: every frame is started or counted skipped.
 */
export class FairScheduler<T> {
  private inFlight = new Set<string>();
  private waiting = new Map<string, Line<T>>();
  private seq = 0;
  /** Each camera's virtual finish time (weighted fair queueing), and the virtual time now. */
  private finish = new Map<string, number>();
  private virtualNow = 0;
  private idleWaiters: (() => void)[] = [];
  private readonly now: () => number;
  private readonly depth: number;
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
    this.now = opts.now ?? Date.now;
    this.depth = Math.max(1, Math.floor(opts.maxWaitingPerCamera ?? 2));
  }

  /**
   * Offers a camera's newest frame; returns whether an older waiting frame of that camera was
   * replaced for it (its line was full).
   */
  offer(key: string, item: T, terms: OfferTerms = {}): boolean {
    let line = this.waiting.get(key);
    if (!line) {
      line = { frames: [], since: this.seq++, start: Math.max(this.finish.get(key) ?? 0, this.virtualNow) };
      this.waiting.set(key, line);
    }
    line.frames.push({
      item,
      offeredAt: this.now(),
      priority: terms.priority ?? 0,
      deadline: terms.deadline ?? Number.POSITIVE_INFINITY,
    });
    // Over the bound, the oldest goes: the camera keeps its place in line (`since`, `start`).
    const replaced = line.frames.length > this.depth;
    if (replaced) this.skip(key, line.frames.shift()!, 'replaced');
    this.pump();
    return replaced;
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

  /** The waiting camera to serve next (see the class comment) with its virtual start, or undefined. */
  private pick(): { key: string; start: number; finish: number } | undefined {
    let next: { key: string; start: number; finish: number } | undefined;
    let best: number[] = [];
    for (const [key, line] of this.waiting) {
      if (this.inFlight.has(key)) continue;
      // The camera's worth is what its newest frame says (what the matcher knows now).
      const priority = Math.max(0, line.frames[line.frames.length - 1]!.priority);
      const start = Math.max(line.start, this.finish.get(key) ?? 0);
      const finish = start + 1 / (1 + priority);
      const rank = [finish, -priority, line.since];
      if (next === undefined || lexLess(rank, best)) {
        next = { key, start, finish };
        best = rank;
      }
    }
    return next;
  }

  /** Skips every waiting frame whose deadline has passed. */
  private dropLate(now: number): void {
    for (const [key, line] of this.waiting) {
      // Deadlines need not grow with the offers (callers choose them): every frame is checked.
      const expired = line.frames.filter((w) => w.deadline < now);
      if (expired.length > 0) {
        line.frames = line.frames.filter((w) => w.deadline >= now);
        for (const w of expired) this.skip(key, w, 'late');
      }
      if (line.frames.length === 0) this.waiting.delete(key);
    }
  }

  private pump(): void {
    const now = this.now();
    this.dropLate(now);
    while (this.inFlight.size < this.slots()) {
      const next = this.pick();
      if (next === undefined) break;
      const { key } = next;
      const line = this.waiting.get(key)!;
      const w = line.frames.shift()!;
      // A camera with frames left waits its next turn behind those already waiting.
      if (line.frames.length === 0) this.waiting.delete(key);
      else {
        line.since = this.seq++;
        line.start = next.finish;
      }
      this.inFlight.add(key);
      this.finish.set(key, next.finish);
      this.virtualNow = Math.max(this.virtualNow, next.start);
      this.started.set(key, (this.started.get(key) ?? 0) + 1);
      this.recentWaits.push(now - w.offeredAt);
      if (this.recentWaits.length > RECENT_WAITS) this.recentWaits.shift();
      // `run` handles its own errors; the catch only keeps a bug there from stalling the line.
      void this.run(key, w.item)
        .catch(() => {})
        .finally(() => {
          this.inFlight.delete(key);
          this.pump();
        });
    }
    // Nothing in flight nor waiting (the last run ended, or late frames were skipped): idle.
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
