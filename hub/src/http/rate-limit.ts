/**
 * Counts attempts per key (a username, a username+address, an address) in a fixed window.
 * Memory only: a restart costs an attacker nothing anyway, and the window is short.
 */
export class WindowCounter {
  private hits = new Map<string, { count: number; resetAt: number }>();
  constructor(
    private windowMs: number,
    private now: () => number = Date.now,
  ) {}

  /** Seconds until `key` is below `limit` again, or null when it is below now. */
  blocked(key: string, limit: number): number | null {
    const t = this.now();
    const h = this.hits.get(key);
    if (h && h.resetAt > t && h.count >= limit) return Math.max(1, Math.ceil((h.resetAt - t) / 1000));
    return null;
  }

  add(key: string) {
    const t = this.now();
    const h = this.hits.get(key);
    if (!h || h.resetAt <= t) this.hits.set(key, { count: 1, resetAt: t + this.windowMs });
    else h.count++;
    if (this.hits.size > 10_000) for (const [k, v] of this.hits) if (v.resetAt <= t) this.hits.delete(k);
  }

  /** Gives one attempt back (a login that turned out right). */
  remove(key: string) {
    const h = this.hits.get(key);
    if (h && --h.count <= 0) this.hits.delete(key);
  }
}

export interface LoginLimits {
  /** Attempts per (username, address): one person's typos, or one attacker aiming at one user. */
  perUserAddress: number;
  /** Attempts per username from anywhere: caps guessing spread over many addresses. */
  perUser: number;
  /** Attempts per address for any username: much higher, so a shop's NAT is not locked out. */
  perAddress: number;
}

/**
 * Login attempt accounting. An attempt is reserved (counted) BEFORE the password is checked,
 * so 200 parallel guesses cannot all reach argon2: only the first few get a reservation, the
 * rest are refused at once. A right password gives its reservation back.
 */
export class LoginGuard {
  private counter: WindowCounter;
  constructor(
    private limits: LoginLimits,
    windowMs: number,
    now: () => number = Date.now,
  ) {
    this.counter = new WindowCounter(windowMs, now);
  }

  private keys(username: string, address: string) {
    const u = username.toLowerCase();
    return [
      { key: `ua:${u}\u0000${address}`, limit: this.limits.perUserAddress },
      { key: `u:${u}`, limit: this.limits.perUser },
      { key: `a:${address}`, limit: this.limits.perAddress },
    ];
  }

  /**
   * Reserves one attempt; returns the seconds to wait instead when any limit is reached.
   * Check-and-count happens in one synchronous turn, so concurrent requests cannot race past it.
   */
  reserve(username: string, address: string): { ok: true; release: () => void } | { ok: false; retryAfter: number } {
    const keys = this.keys(username, address);
    for (const { key, limit } of keys) {
      const wait = this.counter.blocked(key, limit);
      if (wait !== null) return { ok: false, retryAfter: wait };
    }
    for (const { key } of keys) this.counter.add(key);
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        for (const { key } of keys) this.counter.remove(key);
      },
    };
  }
}
