import zlib from 'node:zlib';

/**
 * A listing gzipped from pieces remembered between listings. A page is `[a0,a1,...]`; the
 * compressed bytes of `,aN` are kept keyed by the serials of aN's and its predecessor's JSON. Each piece is
 * raw deflate ended by a sync flush (byte-aligned, not final), compressed with the predecessor's
 * JSON as preset dictionary: in the page the predecessor's bytes come just before, so the
 * back-references land on them. Alerts of one zone list the same devices, so most of a page's
 * redundancy is between neighbours; compressed alone, the pieces were five times larger.
 * When a raise puts a new alert on top, every other pair of neighbours is unchanged: a listing
 * compresses one or two alerts instead of four megabytes (RFC 1951 §3.2, RFC 1952 §2.3).
 */

/** One alert of the page: its id, its JSON, and the serial of that JSON (ListedAlertCache). */
export interface PagePart {
  id: string;
  json: Buffer;
  /** Given to this JSON alone: a new version of the alert is a new serial. */
  serial: number;
}

interface Piece {
  deflated: Buffer;
  /** CRC-32 and length of the bytes the piece inflates to. */
  crc: number;
  length: number;
}

const LEVEL = 1; // the delivery lists repeat: the fastest level shrinks a page about twentyfold
const SYNC = { level: LEVEL, finishFlush: zlib.constants.Z_SYNC_FLUSH };
const HEADER = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]); // gzip, deflate, no name, OS unknown
const [OPEN, COMMA, CLOSE] = ['[', ',', ']'].map((c) => Buffer.from(c)) as [Buffer, Buffer, Buffer];

export class GzipPieces {
  private pieces = new Map<string, Piece>();
  private size = 0;
  /** Pieces compressed, and pieces taken as they were. */
  readonly stats = { built: 0, reused: 0 };

  /** `budget`: compressed bytes kept at most, least recently used dropped first. */
  constructor(private budget = 16 * 1024 * 1024) {}

  /** The page `[parts...]` as one gzip member; gunzipped it is byte for byte the plain page. */
  page(parts: PagePart[]): Buffer {
    const out: Buffer[] = [HEADER];
    let crc = 0;
    let length = 0;
    parts.forEach((part, i) => {
      const before = parts[i - 1];
      const p = this.piece(part, before);
      out.push(p.deflated);
      crc = crc32Combine(crc, p.crc, p.length);
      length += p.length;
    });
    const closing = parts.length ? CLOSE : Buffer.concat([OPEN, CLOSE]);
    const end = zlib.deflateRawSync(closing, { level: LEVEL }); // the final block
    crc = crc32Combine(crc, crc32(closing), closing.length);
    length += closing.length;
    const trailer = Buffer.alloc(8);
    trailer.writeUInt32LE(crc >>> 0, 0);
    trailer.writeUInt32LE(length % 2 ** 32, 4);
    out.push(end, trailer);
    return Buffer.concat(out);
  }

  get bytes() {
    return this.size;
  }

  /** Recipients changed (provisioning): the alerts' JSON is built again. */
  clear() {
    this.pieces.clear();
    this.size = 0;
  }

  private piece(part: PagePart, before: PagePart | undefined): Piece {
    // A few bytes, not the alerts' versions: the key is built and hashed 500 times a listing.
    const key = before ? `${before.serial}:${part.serial}` : `[${part.serial}`;
    const hit = this.pieces.get(key);
    if (hit) {
      this.stats.reused++;
      this.pieces.delete(key); // re-inserted: the Map's order is the order of last use
      this.pieces.set(key, hit);
      return hit;
    }
    const plain = Buffer.concat([before ? COMMA : OPEN, part.json]);
    const deflated = zlib.deflateRawSync(plain, before ? { ...SYNC, dictionary: before.json } : SYNC);
    const made = { deflated, crc: crc32(plain), length: plain.length };
    this.stats.built++;
    this.pieces.set(key, made);
    this.size += deflated.length;
    for (const [oldest, p] of this.pieces) {
      if (this.size <= this.budget) break;
      this.size -= p.deflated.length;
      this.pieces.delete(oldest);
    }
    return made;
  }
}

/* CRC-32 (ISO-HDLC, as in gzip) and zlib's crc32_combine, in unsigned 32-bit arithmetic. */
const POLY = 0xedb88320;
const TABLE = new Uint32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
  return c;
});

export function crc32(b: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < b.length; i++) c = TABLE[(c ^ b[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

/** a·b modulo the CRC polynomial (bit-reflected). */
function multModP(a: number, b: number): number {
  let m = 0x80000000;
  let p = 0;
  for (;;) {
    if (a & m) {
      p ^= b;
      if ((a & (m - 1)) === 0) break;
    }
    m >>>= 1;
    b = b & 1 ? (b >>> 1) ^ POLY : b >>> 1;
  }
  return p >>> 0;
}

/** x^(2^k) modulo the polynomial, k = 0..31. */
const X2N = (() => {
  const t = new Uint32Array(32);
  let p = 0x40000000; // x^1
  t[0] = p;
  for (let n = 1; n < 32; n++) t[n] = p = multModP(p, p);
  return t;
})();

/** x^(n·2^k) modulo the polynomial. */
function x2nModP(n: number, k: number): number {
  let p = 0x80000000; // x^0
  while (n) {
    if (n & 1) p = multModP(X2N[k & 31]!, p);
    n = Math.floor(n / 2);
    k++;
  }
  return p;
}

/** The CRC of A followed by B, from the CRCs of A and B and B's length (zlib's crc32_combine). */
export function crc32Combine(crcA: number, crcB: number, lengthB: number): number {
  return (multModP(x2nModP(lengthB, 3), crcA) ^ crcB) >>> 0;
}
