import type { Principal } from '../auth/principal';

/** A token bucket: `perMinute` on average, up to `burst` at once. */
export interface RaiseLimit {
  perMinute: number;
  burst: number;
}

/**
 * How many new alerts one sender may raise (retries of the same `clientRef` are free). A store
 * radio or member raises a handful an hour; the control room, wardens and operators coordinate
 * incidents and get six times more. `perMinute` is the hub's `raisesPerMinute` setting
 * (SHOPWATCH_RAISES_PER_MINUTE, default 10). Documented in protocols/README.md ("Limits").
 */
export function raiseLimits(perMinute = 10): { store: RaiseLimit; wide: RaiseLimit } {
  return {
    /** Store devices and members: 10 a minute, 20 at once by default. */
    store: { perMinute, burst: 2 * perMinute },
    /** Control-room and warden devices, operators, coordinators, admins: 60 a minute and at once. */
    wide: { perMinute: 6 * perMinute, burst: 6 * perMinute },
  };
}

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * Per-sender raise limits (one bucket per device or user). In memory: a restart refills every
 * bucket, which errs on the side of letting alerts through.
 */
export class RaiseLimiter {
  private buckets = new Map<string, Bucket>();

  constructor(
    private limits = raiseLimits(),
    private now: () => number = Date.now,
  ) {}

  limitFor(p: Principal): RaiseLimit {
    return p.zones === null ? this.limits.wide : this.limits.store;
  }

  /** Takes one raise from the sender's bucket; false when it is empty. */
  take(p: Principal): boolean {
    const limit = this.limitFor(p);
    const key = `${p.kind}:${p.id}`;
    const now = this.now();
    const b = this.buckets.get(key) ?? { tokens: limit.burst, at: now };
    b.tokens = Math.min(limit.burst, b.tokens + ((now - b.at) / 60_000) * limit.perMinute);
    b.at = now;
    this.buckets.set(key, b);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  /** Seconds until the sender may raise again. */
  retryAfter(p: Principal): number {
    const b = this.buckets.get(`${p.kind}:${p.id}`);
    const limit = this.limitFor(p);
    return b ? Math.max(1, Math.ceil(((1 - b.tokens) * 60) / limit.perMinute)) : 0;
  }
}
