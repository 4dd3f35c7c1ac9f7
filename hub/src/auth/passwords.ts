import crypto from 'node:crypto';
import argon2 from 'argon2';

/**
 * People's passwords get argon2id with the library's defaults (64 MiB, t=3, p=4). Device
 * secrets are long machine-made strings, so they use OWASP's lighter argon2id setting
 * (19 MiB, t=2, p=1): a town's radios reconnecting at once after a power cut must not need
 * gigabytes of RAM to check.
 */
const PEOPLE = { type: argon2.argon2id } as const;
const DEVICES = { type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

export const hashPassword = (password: string) => argon2.hash(password, PEOPLE);
export const hashDeviceSecret = (secret: string) => argon2.hash(secret, DEVICES);

export async function verifyHash(hash: string, plain: string): Promise<boolean> {
  try {
    return await argon2.verify(hash, plain);
  } catch {
    return false; // a malformed stored hash never authenticates
  }
}

/**
 * At most this many people's passwords are checked at once. argon2 runs in libuv's thread pool
 * (4 threads by default), which device authentication shares: with the cap at 2, a burst of
 * logins can never take every thread, so radios still connect during a guessing attack.
 */
export const USER_VERIFY_CONCURRENCY = 2;
/** Checks waiting beyond this are refused at once (the caller answers 503) rather than queued. */
export const USER_VERIFY_QUEUE = 32;

class Semaphore {
  private running = 0;
  private waiting: (() => void)[] = [];
  constructor(private max: number, private maxWaiting: number) {}

  /** Runs `fn` when a slot is free; null when the queue is full. */
  async run<T>(fn: () => Promise<T>): Promise<T | null> {
    if (this.running < this.max) this.running++;
    else if (this.waiting.length >= this.maxWaiting) return null;
    else await new Promise<void>((resolve) => this.waiting.push(resolve)); // the slot is handed over
    try {
      return await fn();
    } finally {
      // Hand the slot straight to the next waiter, so a newcomer cannot slip in between.
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}

const userChecks = new Semaphore(USER_VERIFY_CONCURRENCY, USER_VERIFY_QUEUE);

/**
 * Verifies a person's password under the global concurrency cap. Resolves to null when too many
 * checks are already waiting: the login is refused as "busy" without touching argon2.
 */
export function verifyUserPassword(hash: string, plain: string): Promise<boolean | null> {
  return userChecks.run(() => verifyHash(hash, plain));
}

/**
 * Remembers secrets that verified, keyed by a salted SHA-256, so a reconnect storm costs one
 * argon2 check per device instead of one per connection. Forgotten when the hash changes.
 */
export class VerifiedSecretCache {
  private salt = crypto.randomBytes(16);
  private seen = new Map<string, { hash: string; digest: string }>();

  private digest(plain: string) {
    return crypto.createHmac('sha256', this.salt).update(plain).digest('hex');
  }

  async verify(id: string, hash: string, plain: string): Promise<boolean> {
    const d = this.digest(plain);
    const hit = this.seen.get(id);
    if (hit && hit.hash === hash && crypto.timingSafeEqual(Buffer.from(hit.digest), Buffer.from(d))) return true;
    const ok = await verifyHash(hash, plain);
    if (ok) this.seen.set(id, { hash, digest: d });
    return ok;
  }
}
