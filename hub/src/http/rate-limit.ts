/**
 * Counts failed attempts per key (a username, an address) in a fixed window. Used to slow down
 * password guessing on /api/login; memory only, as a restart costs an attacker nothing anyway.
 */
export class FailureLimiter {
  private hits = new Map<string, { count: number; resetAt: number }>();
  constructor(private limit: number, private windowMs: number, private now: () => number = Date.now) {}

  blocked(...keys: string[]): number | null {
    const t = this.now();
    for (const k of keys) {
      const h = this.hits.get(k);
      if (h && h.resetAt > t && h.count >= this.limit) return Math.ceil((h.resetAt - t) / 1000);
    }
    return null;
  }

  fail(...keys: string[]) {
    const t = this.now();
    for (const k of keys) {
      const h = this.hits.get(k);
      if (!h || h.resetAt <= t) this.hits.set(k, { count: 1, resetAt: t + this.windowMs });
      else h.count++;
    }
    if (this.hits.size > 10_000) for (const [k, h] of this.hits) if (h.resetAt <= t) this.hits.delete(k);
  }

  reset(key: string) {
    this.hits.delete(key);
  }
}
