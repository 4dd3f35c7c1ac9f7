import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { verifyHash } from './passwords';

/**
 * Keyed digests of provisioned secrets.
 *
 * The key lives in a 0600 file in the data folder and never in the database. With it:
 *
 * - A device secret is stored as `hmac-sha256$v1$<hex>`, the HMAC of (device id, secret). Checking
 *   a connecting device costs one HMAC (microseconds), so a restart or a power cut that brings
 *   10,000 radios back at once is not an outage, and provisioning 10,000 devices costs no argon2.
 *   Why this is safe without a memory-hard hash: a copy of the database alone (a backup, a stolen
 *   file) gives no way to test guesses, because every guess needs the key. An attacker who also
 *   reads the key file runs as the hub's user and could read the provisioning file itself; what is
 *   left to protect is then only the secret's own entropy, and device secrets are machine-made:
 *   provisioning refuses short or low-entropy ones (protocols/src/provisioning.ts), and the
 *   documented way to make one (32 random bytes, base64) carries 256 bits, far beyond any guessing.
 * - A user's password keeps its argon2id hash (people choose guessable passwords); beside it we
 *   keep the keyed digest of the provisioned password only to tell "unchanged" at re-provisioning
 *   without an argon2 run.
 *
 * The id is part of the digested message, so two devices given the same secret by mistake do not
 * get the same stored value, and "device" and "user" digests live in separate domains.
 */
export class SecretKey {
  private constructor(private readonly key: Buffer) {}

  /** Reads the key of a data folder, creating it (0600, 32 random bytes) on first use. */
  static forDataDir(dataDir: string): SecretKey {
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const file = path.join(dataDir, KEY_FILE);
    try {
      // 'wx' fails if the file exists, so two processes never overwrite each other's key.
      fs.writeFileSync(file, crypto.randomBytes(32), { flag: 'wx', mode: 0o600 });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const key = fs.readFileSync(file);
    if (key.length !== 32) throw new Error(`${file} is damaged: expected 32 bytes, found ${key.length}`);
    if ((fs.statSync(file).mode & 0o077) !== 0) fs.chmodSync(file, 0o600); // never readable by others
    return new SecretKey(key);
  }

  private mac(domain: string, id: string, secret: string): string {
    // Length-prefix the id so ("ab", "c...") and ("a", "bc...") never share a message.
    return crypto.createHmac('sha256', this.key).update(`${domain}\n${id.length}:${id}\n`).update(secret).digest('hex');
  }

  /** The stored verifier of a device secret. */
  deviceVerifier(id: string, secret: string): string {
    return `${DEVICE_PREFIX}${this.mac('device', id, secret)}`;
  }

  /**
   * Checks a device secret against its stored verifier. Unknown ids are checked against a random
   * verifier of the same form, so a known and an unknown id run exactly the same code.
   */
  async verifyDevice(id: string, stored: string | null, secret: string): Promise<boolean> {
    const expected = stored ?? this.dummy;
    if (expected.startsWith(DEVICE_PREFIX)) {
      const same = equalHex(expected, this.deviceVerifier(id, secret));
      return same && stored !== null;
    }
    // A verifier from before keyed digests (an argon2id hash): still honoured until re-provisioned.
    return verifyHash(expected, secret);
  }

  private readonly dummy = `${DEVICE_PREFIX}${crypto.randomBytes(32).toString('hex')}`;
}

export const KEY_FILE = 'secrets.key';
const DEVICE_PREFIX = 'hmac-sha256$v1$';

/** Equal digests, compared in constant time. */
export function equalHex(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}
