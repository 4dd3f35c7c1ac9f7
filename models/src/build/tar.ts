import { gunzipSync } from 'node:zlib';

/**
 * Returns one regular file from a gzipped tar archive (an npm tarball), or undefined.
 * Reads ustar headers only (name + prefix, size, type); enough for npm's tarballs, which
 * `npm pack` writes without pax extensions for short paths.
 */
export function extractFromTgz(tgz: Uint8Array, wanted: string): Buffer | undefined {
  const tar = gunzipSync(tgz);
  let off = 0;
  while (off + 512 <= tar.length) {
    const header = tar.subarray(off, off + 512);
    if (header.every((b) => b === 0)) break;
    const field = (start: number, len: number) =>
      header
        .subarray(start, start + len)
        .toString('latin1')
        .replace(/\0.*$/s, '');
    const name = field(0, 100);
    const prefix = field(345, 155);
    const size = parseInt(field(124, 12).trim() || '0', 8);
    const type = field(156, 1) || '0';
    const path = prefix ? `${prefix}/${name}` : name;
    const body = off + 512;
    if (type === '0' && path === wanted) return Buffer.from(tar.subarray(body, body + size));
    off = body + Math.ceil(size / 512) * 512;
  }
  return undefined;
}
