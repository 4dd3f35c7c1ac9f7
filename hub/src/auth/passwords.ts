import argon2 from 'argon2';

/**
 * People's passwords get argon2id with the library's defaults (64 MiB, t=3, p=4). Device
 * secrets are machine-made and checked by a keyed digest instead (see device-secrets.ts), so a
 * town's radios reconnecting at once cost no argon2 at all.
 */
const PEOPLE = { type: argon2.argon2id } as const;

export const hashPassword = (password: string) => argon2.hash(password, PEOPLE);

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
  constructor(
    private max: number,
    private maxWaiting: number,
  ) {}

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
