/**
 * What a file is, read from its first bytes — never from its name or a Content-Type header,
 * which the sender chooses. Only the types the hub stores are recognised as acceptable; the
 * others are named so that a refusal can say what was sent.
 */
export type Sniffed =
  | 'image/jpeg'
  | 'image/png'
  | 'video/mp4'
  | 'image/gif'
  | 'image/webp'
  | 'image/tiff'
  | 'image/svg+xml'
  | 'image/heif'
  | 'image/bmp'
  | 'unknown';

/** Bytes needed to tell the types apart. */
export const SNIFF_BYTES = 16;

const ascii = (b: Buffer, from: number, to: number) => b.subarray(from, to).toString('latin1');
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export function sniff(head: Buffer): Sniffed {
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'image/jpeg';
  if (head.length >= 8 && head.subarray(0, 8).equals(PNG_SIGNATURE)) return 'image/png';
  if (head.length >= 12 && ascii(head, 4, 8) === 'ftyp') {
    // ISO base media: the major brand tells an HEIF/AVIF still from a video.
    const brand = ascii(head, 8, 12);
    return /^(heic|heix|mif1|msf1|avif|avis)$/.test(brand) ? 'image/heif' : 'video/mp4';
  }
  if (ascii(head, 0, 4) === 'GIF8') return 'image/gif';
  if (ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 12) === 'WEBP') return 'image/webp';
  if (ascii(head, 0, 4) === 'II*\0' || ascii(head, 0, 4) === 'MM\0*') return 'image/tiff';
  if (ascii(head, 0, 2) === 'BM') return 'image/bmp';
  if (/^\s*(<\?xml|<svg|<!DOCTYPE svg)/i.test(ascii(head, 0, head.length))) return 'image/svg+xml';
  return 'unknown';
}

/** A readable name for a refusal message: "an SVG image", "unrecognised bytes". */
export function describeType(t: Sniffed): string {
  if (t === 'unknown') return 'unrecognised bytes';
  return `${t.split('/')[1]!.replace('+xml', '').toUpperCase()} data`;
}
