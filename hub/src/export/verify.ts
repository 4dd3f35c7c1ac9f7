import type { KeyObject } from 'node:crypto';
import { BAG_INFO, MANIFEST, SIGNATURE, TAG_MANIFEST, parseBagInfo, parseManifest, sha256 } from './bagit';
import { fingerprint, verifySignature } from './keys';
import { ZipFormatError, readZip } from './zip';

export interface Problem {
  /** Path inside the bag ("data/master/clip.mp4"), or "(package)" for the archive itself. */
  file: string;
  problem: string;
}

export interface VerifyResult {
  ok: boolean;
  bagName: string | null;
  problems: Problem[];
  info: [string, string][];
  payloadFiles: number;
  keyFingerprint: string;
}

const DECLARATION = /^BagIt-Version: 1\.0\r?\nTag-File-Character-Encoding: UTF-8\r?\n?$/;

/**
 * Checks an evidence package as a recipient would: the ZIP holds one bag folder; the bag
 * declaration; every payload file against manifest-sha256.txt, and none unlisted;
 * Payload-Oxum; every tag file against tagmanifest-sha256.txt (and none unlisted but the
 * signature); and the Ed25519 signature of the tag manifest with `key`. Every file that
 * differs is named; the package is hostile input, so nothing in it is trusted before it is checked.
 */
export function verifyPackage(zip: Buffer, key: KeyObject): VerifyResult {
  const result: VerifyResult = {
    ok: false,
    bagName: null,
    problems: [],
    info: [],
    payloadFiles: 0,
    keyFingerprint: fingerprint(key),
  };
  const fail = (file: string, problem: string) => result.problems.push({ file, problem });
  let entries: ReturnType<typeof readZip>;
  try {
    entries = readZip(zip);
  } catch (err) {
    if (!(err instanceof ZipFormatError)) throw err;
    fail('(package)', err.message);
    return result;
  }
  const roots = new Set(entries.map((e) => e.name.split('/')[0]));
  if (roots.size !== 1 || entries.some((e) => !e.name.includes('/'))) {
    fail('(package)', 'the ZIP must hold exactly one bag folder (RFC 8493 §4)');
    return result;
  }
  const bagName = [...roots][0]!;
  result.bagName = bagName;
  const files = new Map<string, Buffer>();
  const unreadable = new Set<string>();
  for (const e of entries) {
    const rel = e.name.slice(bagName.length + 1);
    const unsafe = rel.split('/').some((part) => part === '..' || part === '') || e.name.startsWith('/');
    if (unsafe) fail(rel, 'unsafe path in the archive');
    else if (files.has(rel)) fail(rel, 'appears twice in the archive');
    else {
      // A stored entry with a bad CRC still has bytes: keep them, so the hash check below names the file too.
      if (e.error) fail(rel, e.error);
      if (e.data) files.set(rel, e.data);
      else unreadable.add(rel);
    }
  }

  const text = (name: string) => files.get(name)?.toString('utf8');
  if (!DECLARATION.test(text('bagit.txt') ?? '')) {
    fail('bagit.txt', 'missing, or not "BagIt-Version: 1.0" with UTF-8 tag files');
  }

  const checkManifest = (name: string, listed: (p: string) => boolean, exempt: string[]) => {
    const body = text(name);
    if (body === undefined) return fail(name, 'missing');
    const { entries: m, bad } = parseManifest(body);
    for (const line of bad) fail(name, `line ${line} is not "checksum  path"`);
    for (const [p, want] of m) {
      const data = files.get(p);
      if (!data) {
        if (!unreadable.has(p)) fail(p, `listed in ${name} but missing from the bag`);
      } else if (sha256(data) !== want) fail(p, `SHA-256 differs from ${name}`);
    }
    for (const p of files.keys()) if (listed(p) && !m.has(p) && !exempt.includes(p)) fail(p, `not listed in ${name}`);
  };
  checkManifest(MANIFEST, (p) => p.startsWith('data/'), []);
  checkManifest(TAG_MANIFEST, (p) => !p.startsWith('data/'), [TAG_MANIFEST, SIGNATURE]);
  const tagListed = parseManifest(text(TAG_MANIFEST) ?? '').entries;
  for (const must of ['bagit.txt', BAG_INFO, MANIFEST]) {
    if (!tagListed.has(must)) fail(must, `not covered by ${TAG_MANIFEST}`);
  }

  const payload = [...files].filter(([p]) => p.startsWith('data/'));
  result.payloadFiles = payload.length;
  result.info = parseBagInfo(text(BAG_INFO) ?? '');
  const oxum = result.info.find(([k]) => k === 'Payload-Oxum')?.[1];
  const actual = `${payload.reduce((n, [, d]) => n + d.length, 0)}.${payload.length}`;
  if (!oxum) fail(BAG_INFO, 'has no Payload-Oxum');
  else if (oxum !== actual && unreadable.size === 0) {
    fail(BAG_INFO, `Payload-Oxum ${oxum} does not match the payload (${actual})`);
  }

  const sig = text(SIGNATURE);
  const manifestBytes = files.get(TAG_MANIFEST);
  if (sig === undefined) fail(SIGNATURE, 'missing: the package is not signed');
  else if (manifestBytes && !verifySignature(key, manifestBytes, Buffer.from(sig.trim(), 'base64')))
    fail(SIGNATURE, `the signature of ${TAG_MANIFEST} does not verify with key ${result.keyFingerprint}`);

  result.ok = result.problems.length === 0;
  return result;
}
