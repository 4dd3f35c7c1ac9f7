import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One message as the local push service received, checked and decrypted it. */
export interface ReceivedPush {
  path: string;
  headers: http.IncomingHttpHeaders;
  /** The VAPID JWT's claims, after its ES256 signature was verified with the `k` key. */
  claims: { aud: string; exp: number; sub: string };
  vapidKey: string;
  plaintext: string;
}

/** A browser's side of a subscription: its own ECDH key pair and auth secret. */
export class BrowserKeys {
  readonly ecdh = crypto.createECDH('prime256v1');
  readonly auth = crypto.randomBytes(16);
  constructor() {
    this.ecdh.generateKeys();
  }
  get json() {
    return { p256dh: this.ecdh.getPublicKey().toString('base64url'), auth: this.auth.toString('base64url') };
  }
}

/**
 * Decrypts an aes128gcm push message body (RFC 8188 framing, RFC 8291 key derivation):
 * header = salt(16) | rs(4) | idlen(1) | keyid (the sender's ephemeral public key).
 */
export function decryptAes128gcm(body: Buffer, keys: BrowserKeys): string {
  const salt = body.subarray(0, 16);
  const idlen = body[20]!;
  const asPublic = body.subarray(21, 21 + idlen);
  const ciphertext = body.subarray(21 + idlen);
  const uaPublic = keys.ecdh.getPublicKey();
  const ecdhSecret = keys.ecdh.computeSecret(asPublic);
  // RFC 8291 3.4: IKM = HKDF(auth_secret, ecdh_secret, "WebPush: info" || 0x00 || ua_public || as_public, 32)
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), uaPublic, asPublic]);
  const ikm = Buffer.from(crypto.hkdfSync('sha256', ecdhSecret, keys.auth, keyInfo, 32));
  const cek = Buffer.from(crypto.hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16));
  const nonce = Buffer.from(crypto.hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12));
  const decipher = crypto.createDecipheriv('aes-128-gcm', cek, nonce);
  decipher.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
  const padded = Buffer.concat([decipher.update(ciphertext.subarray(0, ciphertext.length - 16)), decipher.final()]);
  // RFC 8188 2: the last record ends with the delimiter 0x02 followed by zero padding.
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  if (padded[end] !== 2) throw new Error('missing last-record delimiter');
  return padded.subarray(0, end).toString('utf8');
}

/** Checks `Authorization: vapid t=<JWT>, k=<key>` (RFC 8292 section 3) and returns its parts. */
export function verifyVapid(header: string | undefined): { claims: ReceivedPush['claims']; key: string } {
  const m = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(header ?? '');
  if (!m) throw new Error(`not a VAPID authorization: ${header}`);
  const [h, p, sig] = m[1]!.split('.');
  const k = Buffer.from(m[2]!, 'base64url');
  const xy = { x: k.subarray(1, 33).toString('base64url'), y: k.subarray(33, 65).toString('base64url') };
  const jwk = { kty: 'EC', crv: 'P-256', ...xy };
  const key = crypto.createPublicKey({ key: jwk, format: 'jwk' });
  const signature = Buffer.from(sig!, 'base64url');
  const ok = crypto.verify('sha256', Buffer.from(`${h}.${p}`), { key, dsaEncoding: 'ieee-p1363' }, signature);
  if (!ok) throw new Error('VAPID JWT signature does not verify');
  const head = JSON.parse(Buffer.from(h!, 'base64url').toString()) as { alg: string };
  if (head.alg !== 'ES256') throw new Error(`VAPID JWT alg ${head.alg}`);
  return { claims: JSON.parse(Buffer.from(p!, 'base64url').toString()), key: m[2]! };
}

/**
 * A push service on loopback. Each subscription path is bound to the browser keys the test made;
 * `status` sets what the service answers for a path (e.g. 410 Gone for an expired one).
 */
export class LocalPushService {
  readonly received: ReceivedPush[] = [];
  readonly failures: string[] = [];
  private keys = new Map<string, BrowserKeys>();
  private status = new Map<string, number>();
  private server = http.createServer((req, res) => this.handle(req, res));
  origin = '';

  async start() {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.origin = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** A new subscription: its endpoint URL and the browser keys to decrypt with. */
  subscribe(name: string) {
    const keys = new BrowserKeys();
    this.keys.set(`/push/${name}`, keys);
    return { endpoint: `${this.origin}/push/${name}`, keys: keys.json };
  }

  answer(name: string, status: number) {
    this.status.set(`/push/${name}`, status);
  }

  to(name: string) {
    return this.received.filter((r) => r.path === `/push/${name}`);
  }

  close() {
    this.server.closeAllConnections();
    return new Promise<void>((r) => this.server.close(() => r()));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '';
      try {
        const keys = this.keys.get(path);
        if (!keys || req.method !== 'POST') throw new Error(`unexpected ${req.method} ${path}`);
        const encoding = req.headers['content-encoding'];
        if (encoding !== 'aes128gcm') throw new Error(`encoding ${encoding}`);
        const { claims, key } = verifyVapid(req.headers.authorization);
        const plaintext = decryptAes128gcm(Buffer.concat(chunks), keys);
        const status = this.status.get(path) ?? 201;
        if (status === 201) this.received.push({ path, headers: req.headers, claims, vapidKey: key, plaintext });
        res.writeHead(status).end();
      } catch (e) {
        this.failures.push((e as Error).message);
        res.writeHead(400).end();
      }
    });
  }
}
