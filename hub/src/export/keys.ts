import crypto, { type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * The hub's Ed25519 key that signs evidence packages. Made on first use and kept in the data
 * folder, readable by the hub's user only (0600, in a 0700 folder): whoever holds it can sign
 * packages in the scheme's name. The public key and its fingerprint are what a force is given
 * (`npm run hub -- keys`) to check a package it received.
 */
export class SigningKey {
  private constructor(
    private priv: KeyObject,
    readonly publicKey: KeyObject,
  ) {}

  static file(dataDir: string) {
    return path.join(dataDir, 'keys', 'evidence-signing-ed25519.pem');
  }

  /** The key of this data folder, if one was made. */
  static load(dataDir: string): SigningKey | null {
    const file = SigningKey.file(dataDir);
    let pem: string;
    try {
      pem = fs.readFileSync(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    // A key that others could read may have been copied; tighten it rather than go on quietly.
    if ((fs.statSync(file).mode & 0o077) !== 0) fs.chmodSync(file, 0o600);
    const priv = crypto.createPrivateKey(pem);
    if (priv.asymmetricKeyType !== 'ed25519') throw new Error(`${file} is not an Ed25519 key`);
    return new SigningKey(priv, crypto.createPublicKey(priv));
  }

  static loadOrCreate(dataDir: string): SigningKey {
    const existing = SigningKey.load(dataDir);
    if (existing) return existing;
    const file = SigningKey.file(dataDir);
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const { privateKey } = crypto.generateKeyPairSync('ed25519');
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    try {
      // `wx`: of two processes making the key at once, one wins and the other reads its key.
      fs.writeFileSync(file, pem, { mode: 0o600, flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    return SigningKey.load(dataDir)!;
  }

  sign(data: Buffer): Buffer {
    return crypto.sign(null, data, this.priv);
  }

  get fingerprint() {
    return fingerprint(this.publicKey);
  }
}

/** The 32 raw bytes of an Ed25519 public key. */
export function rawPublicKey(key: KeyObject): Buffer {
  return Buffer.from(key.export({ format: 'jwk' }).x!, 'base64url');
}

/** "SHA256:" and the hex SHA-256 of the raw public key. */
export function fingerprint(key: KeyObject): string {
  return `SHA256:${crypto.createHash('sha256').update(rawPublicKey(key)).digest('hex')}`;
}

export function publicPem(key: KeyObject): string {
  return key.export({ type: 'spki', format: 'pem' }) as string;
}

/**
 * A public key given on the command line: a PEM file, or the base64 of the 32 raw bytes as
 * `npm run hub -- keys` prints it (optionally prefixed "ed25519:").
 */
export function parsePublicKey(spec: string): KeyObject {
  const b64 = spec.replace(/^ed25519:/i, '').trim();
  if (/^[A-Za-z0-9+/_-]{42,44}={0,2}$/.test(b64)) {
    const raw = Buffer.from(b64.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (raw.length !== 32) throw new Error('an Ed25519 public key is 32 bytes');
    return crypto.createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });
  }
  const key = crypto.createPublicKey(fs.readFileSync(spec, 'utf8'));
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`${spec} is not an Ed25519 public key`);
  return key;
}

export function verifySignature(key: KeyObject, data: Buffer, signature: Buffer): boolean {
  try {
    return crypto.verify(null, data, key, signature);
  } catch {
    return false;
  }
}
