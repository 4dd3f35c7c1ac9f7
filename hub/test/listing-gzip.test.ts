import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { GzipPieces, type PagePart, crc32, crc32Combine } from '../src/alerts/listing-gzip';

/** Alerts like a zone's: long, mostly the same list of device ids, one field apart. */
const devices = Array.from({ length: 800 }, (_, d) => `radio-z0-s${d % 40}-${d}`);
/** The same alert at the same version is the same JSON with the same serial, as ListedAlertCache gives. */
const made = new Map<string, PagePart>();
function parts(ids: number[], version = 'v1'): PagePart[] {
  return ids.map((n) => {
    const known = made.get(`${n}/${version}`);
    if (known) return known;
    const json = Buffer.from(JSON.stringify({ id: `a${n}`, version, seq: n, undelivered: devices }));
    const part = { id: `a${n}`, json, serial: made.size + 1 };
    made.set(`${n}/${version}`, part);
    return part;
  });
}
const plain = (ps: PagePart[]) => Buffer.from(`[${ps.map((p) => p.json.toString()).join(',')}]`);

describe('gzipped listing pages built from remembered pieces', () => {
  it('computes CRC-32 as zlib does, and combines two CRCs into that of the concatenation', () => {
    const a = Buffer.from('The quick brown fox ');
    const b = Buffer.from('jumps over the lazy dog'.repeat(1000));
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926); // the check value of CRC-32/ISO-HDLC
    expect(crc32Combine(crc32(a), crc32(b), b.length)).toBe(crc32(Buffer.concat([a, b])));
    expect(crc32Combine(0, crc32(b), b.length)).toBe(crc32(b));
  });

  it('gunzips to the plain page byte for byte, also after alerts come, change and go', () => {
    const gz = new GzipPieces();
    for (const page of [
      parts([]),
      parts([1]),
      parts([5, 4, 3, 2, 1]),
      parts([6, 5, 4, 3, 2]),
      parts([6, 5, 4], 'v2'),
    ]) {
      const body = gz.page(page);
      expect(zlib.gunzipSync(body).equals(plain(page))).toBe(true);
    }
  });

  it('compresses about as well as gzip of the whole page, and reuses all but the new pair', () => {
    const gz = new GzipPieces();
    const page = parts(Array.from({ length: 100 }, (_, i) => 100 - i));
    const body = gz.page(page);
    expect(body.length).toBeLessThan(zlib.gzipSync(plain(page), { level: 1 }).length * 1.5);
    expect(gz.stats).toEqual({ built: 100, reused: 0 });
    // A new alert on top: a piece for it, and one for the old top, whose predecessor changed.
    const next = parts(Array.from({ length: 100 }, (_, i) => 101 - i));
    expect(zlib.gunzipSync(gz.page(next)).equals(plain(next))).toBe(true);
    expect(gz.stats).toEqual({ built: 102, reused: 98 });
  });
});
