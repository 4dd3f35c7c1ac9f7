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
