import crypto from 'node:crypto';

/**
 * BagIt (RFC 8493) building blocks: the declaration, the SHA-256 payload and tag manifests,
 * and bag-info.txt. Paths are relative to the bag's base directory and use "/".
 */

export interface BagFile {
  path: string;
  data: Buffer;
}

export const BAGIT_TXT = 'BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n';
export const MANIFEST = 'manifest-sha256.txt';
export const TAG_MANIFEST = 'tagmanifest-sha256.txt';
export const BAG_INFO = 'bag-info.txt';
/** Not listed in the tag manifest: it signs that manifest. */
export const SIGNATURE = 'tagmanifest-sha256.txt.sig';

export const sha256 = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');

/**
 * [RFC 8493 §2.1.3] one line per file: checksum, whitespace, path. Two spaces, as coreutils
 * writes them, so `sha256sum -c manifest-sha256.txt` checks the bag as it stands. CR, LF and
 * "%" in a path are percent-encoded as the RFC requires.
 */
export function manifest(files: BagFile[]): Buffer {
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : 1));
  const lines = sorted.map((f) => `${sha256(f.data)}  ${encodePath(f.path)}\n`);
  return Buffer.from(lines.join(''), 'utf8');
}

const encodePath = (p: string) => p.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
const decodePath = (p: string) => p.replace(/%0A/gi, '\n').replace(/%0D/gi, '\r').replace(/%25/g, '%');

/** Parses a manifest into path → checksum; malformed lines are returned by number. */
export function parseManifest(text: string): { entries: Map<string, string>; bad: number[] } {
  const entries = new Map<string, string>();
  const bad: number[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    const m = /^([0-9a-fA-F]{64})[ \t]+\*?(.+)$/.exec(line.replace(/\r$/, ''));
    if (!m) bad.push(i + 1);
    else entries.set(decodePath(m[2]!), m[1]!.toLowerCase());
  });
  return { entries, bad };
}

/** [RFC 8493 §2.2.2] Payload-Oxum: octet count "." file count of the payload. */
export const payloadOxum = (payload: BagFile[]) =>
  `${payload.reduce((n, f) => n + f.data.length, 0)}.${payload.length}`;

function bagSize(bytes: number): string {
  const units = ['bytes', 'KB', 'MB', 'GB'];
  let v = bytes;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return u === 0 ? `${bytes} bytes` : `${v.toFixed(1)} ${units[u]}`;
}

/**
 * bag-info.txt: "Label: value" lines. Values come partly from people (reasons, names), so
 * control characters are flattened to spaces; long values are folded onto continuation lines
 * that start with whitespace, as §2.2.2 allows, keeping lines near 79 characters.
 */
export function bagInfo(fields: [string, string][]): Buffer {
  const out: string[] = [];
  for (const [label, raw] of fields) {
    const value = raw.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
    const words = value.split(' ');
    let line = `${label}:`;
    let hasWord = false;
    for (const w of words) {
      if (hasWord && line.length + 1 + w.length > 79) {
        out.push(line);
        line = ' ';
      }
      line += ` ${w}`;
      hasWord = true;
    }
    out.push(line);
  }
  return Buffer.from(`${out.join('\n')}\n`, 'utf8');
}

/** Parses bag-info.txt, joining folded lines; a label may repeat. */
export function parseBagInfo(text: string): [string, string][] {
  const fields: [string, string][] = [];
  for (const line of text.split(/\r?\n/)) {
    if (!line) continue;
    if (/^[ \t]/.test(line) && fields.length) fields[fields.length - 1]![1] += ` ${line.trim()}`;
    else {
      const i = line.indexOf(':');
      if (i > 0) fields.push([line.slice(0, i).trim(), line.slice(i + 1).trim()]);
    }
  }
  return fields;
}

/**
 * Puts a bag together: payload files under data/, the declaration, the payload manifest,
 * bag-info.txt (with Payload-Oxum and Bag-Size computed here) and any extra tag files, then
 * the tag manifest over every tag file. The signature of the tag manifest is added by the caller.
 */
export function makeBag(payload: BagFile[], info: [string, string][], extraTags: BagFile[] = []): BagFile[] {
  for (const f of payload) if (!f.path.startsWith('data/')) throw new Error(`payload file outside data/: ${f.path}`);
  const bytes = payload.reduce((n, f) => n + f.data.length, 0);
  const tags: BagFile[] = [
    { path: 'bagit.txt', data: Buffer.from(BAGIT_TXT) },
    { path: MANIFEST, data: manifest(payload) },
    { path: BAG_INFO, data: bagInfo([...info, ['Payload-Oxum', payloadOxum(payload)], ['Bag-Size', bagSize(bytes)]]) },
    ...extraTags,
  ];
  return [...tags, { path: TAG_MANIFEST, data: manifest(tags) }, ...payload];
}
