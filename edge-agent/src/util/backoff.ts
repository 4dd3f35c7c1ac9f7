/**
 * Doubles the wait after each failure, from `initialMs` up to `maxMs`. Shared by what the agent
 * retries: a camera's ffmpeg restarts and the spool's deliveries to the hub.
 *
 * @example
 * const b = new Backoff(500, 10_000); b.next(); // 500, then 1000, 2000, ... 10000, 10000
 */
export class Backoff {
  private attempt = 0;
  constructor(
    readonly initialMs: number,
    readonly maxMs: number,
  ) {}
  next(): number {
    const ms = Math.min(this.maxMs, this.initialMs * 2 ** this.attempt);
    // Capped so that 2 ** attempt never overflows however long a camera stays away.
    this.attempt = Math.min(this.attempt + 1, 30);
    return ms;
  }
  reset(): void {
    this.attempt = 0;
  }
  get attempts(): number {
    return this.attempt;
  }
}
