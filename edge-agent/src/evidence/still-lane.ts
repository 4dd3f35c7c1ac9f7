/** A still that was not started: its candidate's time ran out while other stills ran. */
export class StillSkipped extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StillSkipped';
  }
}

/**
 * Full-resolution stills a few at a time (default one), each within its candidate's own time.
 *
 * Why (issue 15): when all subjects pass at once, 6-8 candidates are confirmed within a second;
 * each still is an ffmpeg decoding 1-3 recorded segments. Run together on a 2-core box they took
 * the cores from the inference workers (frames skipped) and from one another, so most of them hit
 * their timeout anyway ("still took longer than 0.8 s") and the candidates waited the whole time
 * for a detect-frame crop. One at a time, the first ones finish in ~0.2 s; a candidate whose time
 * would be gone before its turn comes falls back on the detect frame at once, without having cost
 * an ffmpeg run. Nothing a reviewer receives is dropped: every candidate is still spooled with its
 * crop and frame (and its clip, from the full-resolution stream, follows as before).
 *
 * @example
 * const lane = new StillLane(1);
 * const full = await lane.run(Date.now() + 800, (ms) => grabStill({ dir, frame, timeoutMs: ms }));
 */
export class StillLane {
  private running = 0;
  private queue: { start: () => void }[] = [];
  /** Moving average of a still's wall time, ms: how long a place takes to free. */
  private typicalMs = MIN_STILL_MS * 2;
  /** Stills started, skipped for want of time, and the most ever run at once (tests, logs). */
  readonly stats = { started: 0, skipped: 0, maxRunning: 0 };

  constructor(
    private readonly concurrency = 1,
    /** A still started with less time than this left would not finish: skipped instead (ms). */
    private readonly minMs = MIN_STILL_MS,
  ) {}

  /** Runs `job` with the time left before `deadline`, once a place is free and if time is left. */
  run<T>(deadline: number, job: (timeoutMs: number) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const skip = () => {
        this.stats.skipped++;
        reject(new StillSkipped(`no time left for a still (${this.running} running, ${this.queue.length} waiting)`));
      };
      // Its turn would come too late by the stills' typical time: give up now, not at the deadline,
      // so the candidate goes out at once with the detect frame.
      const turns = Math.floor((this.queue.length + this.running) / this.concurrency);
      if (this.running >= this.concurrency && Date.now() + (turns + 1) * this.typicalMs > deadline) return skip();
      const entry = {
        start: () => {
          clearTimeout(timer);
          // Its turn came with too little time left to finish: the next one may have more.
          if (deadline - Date.now() < this.minMs) {
            skip();
            this.queue.shift()?.start();
            return;
          }
          this.running++;
          this.stats.started++;
          this.stats.maxRunning = Math.max(this.stats.maxRunning, this.running);
          const t0 = Date.now();
          job(Math.max(1, deadline - t0))
            .then(resolve, reject)
            .finally(() => {
              this.typicalMs = 0.7 * this.typicalMs + 0.3 * (Date.now() - t0);
              this.running--;
              this.queue.shift()?.start();
            });
        },
      };
      // Given up as soon as the time left is too short, not when the place frees.
      const timer = setTimeout(
        () => {
          const i = this.queue.indexOf(entry);
          if (i < 0) return;
          this.queue.splice(i, 1);
          skip();
        },
        Math.max(0, deadline - this.minMs - Date.now()),
      );
      if (this.running < this.concurrency) entry.start();
      else this.queue.push(entry);
    });
  }
}

/** A one-run still takes 0.1-0.3 s on a quiet 2-core box (still.test.ts): less than this left is hopeless. */
const MIN_STILL_MS = 150;
