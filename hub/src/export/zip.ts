import crypto from 'node:crypto';
import fs from 'node:fs';
import zlib from 'node:zlib';

/**
 * A small ZIP writer and reader (PKWARE APPNOTE 6.3, no ZIP64, no encryption): enough for an
 * evidence package of a few hundred MiB, without a dependency. Media are stored as they are
 * (they do not compress and "bit for bit" is easier to show); text is deflated.
 */

export interface ZipInput {
  name: string;
  data: Buffer;
  /** Deflate this entry (text); media are stored. */
  deflate?: boolean;
}

export interface ZipEntry {
  name: string;
  data: Buffer | null;
  /** Why the entry could not be read (bad compression, CRC mismatch); null when it is sound. */
  error: string | null;
}

const LOCAL = 0x04034b50;
const CENTRAL = 0x02014b50;
const END = 0x06054b50;
const UTF8_NAMES = 0x0800;
const MAX_U32 = 0xffffffff;
/** Refuse to unpack more than this (a zip bomb must not fill the hub's memory). */
export const MAX_UNPACKED_BYTES = 2 * 1024 * 1024 * 1024;

function dosTime(d: Date) {
  const time = (d.getHours() << 11) | (d.getMinutes() << 5) | Math.floor(d.getSeconds() / 2);
  const date = (Math.max(0, d.getFullYear() - 1980) << 9) | ((d.getMonth() + 1) << 5) | d.getDate();
  return { time, date };
}

/**
 * Writes the entries to `file` (created new: `wx`), fsynced before it returns. Returns the
 * archive's size and SHA-256, hashed as it is written.
 */
export function writeZip(file: string, entries: ZipInput[], when = new Date()): { bytes: number; sha256: string } {
  const { time, date } = dosTime(when);
  const fd = fs.openSync(file, 'wx', 0o600);
  const hash = crypto.createHash('sha256');
  try {
    let offset = 0;
    const central: Buffer[] = [];
    const write = (b: Buffer) => {
      fs.writeSync(fd, b);
      hash.update(b);
      offset += b.length;
    };
    for (const e of entries) {
      const name = Buffer.from(e.name, 'utf8');
      const body = e.deflate ? zlib.deflateRawSync(e.data, { level: 9 }) : e.data;
      if (e.data.length >= MAX_U32 || offset >= MAX_U32) throw new Error('package too large for a ZIP without ZIP64');
      const crc = zlib.crc32(e.data) >>> 0;
      const method = e.deflate ? 8 : 0;
      const head = Buffer.alloc(30);
      head.writeUInt32LE(LOCAL, 0);
      head.writeUInt16LE(20, 4);
      head.writeUInt16LE(UTF8_NAMES, 6);
      head.writeUInt16LE(method, 8);
      head.writeUInt16LE(time, 10);
      head.writeUInt16LE(date, 12);
      head.writeUInt32LE(crc, 14);
      head.writeUInt32LE(body.length, 18);
      head.writeUInt32LE(e.data.length, 22);
      head.writeUInt16LE(name.length, 26);
      const cd = Buffer.alloc(46);
      cd.writeUInt32LE(CENTRAL, 0);
      cd.writeUInt16LE((3 << 8) | 20, 4); // made by Unix, so unzip applies the mode below
      cd.writeUInt16LE(20, 6);
      cd.writeUInt16LE(UTF8_NAMES, 8);
      cd.writeUInt16LE(method, 10);
      cd.writeUInt16LE(time, 12);
      cd.writeUInt16LE(date, 14);
      cd.writeUInt32LE(crc, 16);
      cd.writeUInt32LE(body.length, 20);
      cd.writeUInt32LE(e.data.length, 24);
      cd.writeUInt16LE(name.length, 28);
      cd.writeUInt32LE((0o100644 << 16) >>> 0, 38);
      cd.writeUInt32LE(offset, 42);
      central.push(cd, name);
      write(head);
      write(name);
      write(body);
    }
    const cdStart = offset;
    for (const b of central) write(b);
    const end = Buffer.alloc(22);
    end.writeUInt32LE(END, 0);
    end.writeUInt16LE(entries.length, 8);
    end.writeUInt16LE(entries.length, 10);
    end.writeUInt32LE(offset - cdStart, 12);
    end.writeUInt32LE(cdStart, 16);
    write(end);
    fs.fsyncSync(fd);
    return { bytes: offset, sha256: hash.digest('hex') };
  } finally {
    fs.closeSync(fd);
  }
}

export class ZipFormatError extends Error {}

/**
 * Reads every entry of a ZIP held in memory. The archive is hostile input: offsets and sizes
 * are bounds-checked, unpacked sizes are capped, and an entry that fails to inflate or whose
 * CRC-32 differs is returned with its error instead of stopping the whole read.
 */
export function readZip(zip: Buffer): ZipEntry[] {
  let end = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (zip.readUInt32LE(i) === END) {
      end = i;
      break;
    }
  }
  if (end < 0) throw new ZipFormatError('not a ZIP file (no end of central directory)');
  const count = zip.readUInt16LE(end + 10);
  let p = zip.readUInt32LE(end + 16);
  const entries: ZipEntry[] = [];
  let unpacked = 0;
  for (let n = 0; n < count; n++) {
    if (p + 46 > zip.length || zip.readUInt32LE(p) !== CENTRAL) throw new ZipFormatError('damaged central directory');
    const method = zip.readUInt16LE(p + 10);
    const crc = zip.readUInt32LE(p + 16);
    const csize = zip.readUInt32LE(p + 20);
    const usize = zip.readUInt32LE(p + 24);
    const nameLen = zip.readUInt16LE(p + 28);
    const skip = zip.readUInt16LE(p + 30) + zip.readUInt16LE(p + 32);
    const local = zip.readUInt32LE(p + 42);
    const name = zip.subarray(p + 46, p + 46 + nameLen).toString('utf8');
    p += 46 + nameLen + skip;
    if (name.endsWith('/')) continue; // a directory entry
    if (local + 30 > zip.length || zip.readUInt32LE(local) !== LOCAL) {
      throw new ZipFormatError(`damaged local header of ${name}`);
    }
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    if (start + csize > zip.length) throw new ZipFormatError(`${name} runs past the end of the file`);
    unpacked += usize;
    if (unpacked > MAX_UNPACKED_BYTES) {
      throw new ZipFormatError(`the archive unpacks to more than ${MAX_UNPACKED_BYTES} bytes`);
    }
    const raw = zip.subarray(start, start + csize);
    let data: Buffer;
    try {
      if (method === 0) data = raw;
      else if (method === 8) data = zlib.inflateRawSync(raw, { maxOutputLength: Math.max(1, usize) });
      else {
        entries.push({ name, data: null, error: `compression method ${method} is not supported` });
        continue;
      }
    } catch (err) {
      entries.push({ name, data: null, error: `cannot be unpacked: ${(err as Error).message}` });
      continue;
    }
    const ok = data.length === usize && zlib.crc32(data) >>> 0 === crc;
    entries.push({ name, data, error: ok ? null : 'ZIP CRC-32 or size does not match its contents' });
  }
  return entries;
}
