import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SIGNATURE, TAG_MANIFEST, bagInfo, makeBag, parseBagInfo, parseManifest } from '../../hub/src/export/bagit';
import { SigningKey, fingerprint, parsePublicKey, rawPublicKey } from '../../hub/src/export/keys';
import { verifyPackage } from '../../hub/src/export/verify';
import { buildRecord } from '../../hub/src/export/record';
import { renderRecordHtml } from '../../hub/src/export/record-html';
import { makeWorkingCopy } from '../../hub/src/export/working-copy';
import { readZip, writeZip } from '../../hub/src/export/zip';
import { run, sha } from './support/export-fixtures';
import { tempDir } from '../../hub/test/support/hub';

/** The pieces of a package as data: bag files, the ZIP writer and reader, the verifier's refusals. */
describe('evidence package pieces', () => {
  const dir = tempDir('shopwatch-bag-');
  const key = SigningKey.loadOrCreate(dir);
  const clip = crypto.randomBytes(200_000);

  /** A signed bag with one media file, zipped under `name/`, as the exporter builds it. */
  function pack(file: string, edit: (files: { path: string; data: Buffer }[]) => void = () => {}) {
    const record = Buffer.from('{"a":1}\n');
    const payload = [
      { path: 'data/master/clip.mp4', data: clip },
      { path: 'data/record.json', data: record },
    ];
    const bag = makeBag(payload, [['External-Identifier', 'JD/1']]);
    const signature = key.sign(bag.find((f) => f.path === TAG_MANIFEST)!.data).toString('base64');
    bag.push({ path: SIGNATURE, data: Buffer.from(signature) });
    edit(bag);
    writeZip(
      file,
      bag.map((f) => ({ name: `JD-1/${f.path}`, data: f.data, deflate: f.path.endsWith('.txt') })),
    );
    return fs.readFileSync(file);
  }

  it('writes ZIPs that Info-ZIP unzip tests clean, and reads them back byte for byte', async () => {
    const file = path.join(dir, 'round.zip');
    const zip = pack(file);
    expect((await run('unzip', ['-tq', file])).stdout).toMatch(/No errors detected/);
    const entries = readZip(zip);
    expect(entries.find((e) => e.name === 'JD-1/data/master/clip.mp4')?.data?.equals(clip)).toBe(true);
    expect(entries.every((e) => e.error === null)).toBe(true);
    expect(verifyPackage(zip, key.publicKey)).toMatchObject({ ok: true, problems: [], payloadFiles: 2 });
  });

  it('names a media file whose bytes were flipped inside the ZIP without repacking it', () => {
    const zip = pack(path.join(dir, 'flip.zip'));
    const at = zip.indexOf(clip.subarray(1000, 1032)) + 10; // stored, so its bytes sit in the archive as they are
    zip[at]! ^= 0xff;
    const r = verifyPackage(zip, key.publicKey);
    expect(r.ok).toBe(false);
    expect(new Set(r.problems.map((p) => p.file))).toEqual(new Set(['data/master/clip.mp4']));
    expect(r.problems.map((p) => p.problem)).toContain('SHA-256 differs from manifest-sha256.txt');
  });

  it('refuses packages with an unlisted payload file, a wrong Payload-Oxum, or no signature', () => {
    const addFile = (b: { path: string; data: Buffer }[]) => b.push({ path: 'data/extra.txt', data: Buffer.from('x') });
    const extra = verifyPackage(pack(path.join(dir, 'extra.zip'), addFile), key.publicKey);
    expect(extra.problems).toContainEqual({ file: 'data/extra.txt', problem: 'not listed in manifest-sha256.txt' });
    expect(extra.problems.some((p) => p.file === 'bag-info.txt' && /Payload-Oxum/.test(p.problem))).toBe(true);
    const dropSignature = (b: { path: string }[]) =>
      b.splice(
        b.findIndex((f) => f.path === SIGNATURE),
        1,
      );
    const unsigned = verifyPackage(pack(path.join(dir, 'unsigned.zip'), dropSignature), key.publicKey);
    expect(unsigned.problems).toEqual([{ file: SIGNATURE, problem: 'missing: the package is not signed' }]);
  });

  it('refuses what is not one bag folder, and unsafe paths', () => {
    const loose = path.join(dir, 'loose.zip');
    writeZip(loose, [{ name: 'bagit.txt', data: Buffer.from('BagIt-Version: 1.0\n') }]);
    expect(verifyPackage(fs.readFileSync(loose), key.publicKey).problems[0]?.file).toBe('(package)');
    const evil = path.join(dir, 'evil.zip');
    writeZip(evil, [{ name: 'JD-1/../../etc/passwd', data: Buffer.from('x') }]);
    const unsafe = { file: '../../etc/passwd', problem: 'unsafe path in the archive' };
    expect(verifyPackage(fs.readFileSync(evil), key.publicKey).problems).toContainEqual(unsafe);
    const junk = verifyPackage(Buffer.from('not a zip at all'), key.publicKey);
    expect(junk.problems[0]).toMatchObject({ file: '(package)' });
  });

  it('folds long bag-info values and reads them back; strips control characters people typed', () => {
    const reason = `${'A long reason for the disclosure, '.repeat(6)}end`;
    const typed = 'DC Smith\nInjected-Label: evil';
    const text = bagInfo([
      ['Disclosure-Reason', reason],
      ['Disclosed-To', typed],
    ]).toString();
    expect(text.split('\n').every((l) => l.length <= 79)).toBe(true);
    expect(text).not.toMatch(/^Injected-Label/m);
    const flattened = 'DC Smith Injected-Label: evil';
    expect(parseBagInfo(text)).toEqual([
      ['Disclosure-Reason', reason],
      ['Disclosed-To', flattened],
    ]);
  });

  it('reads manifests as sha256sum writes them, and flags malformed lines', () => {
    const h = 'a'.repeat(64);
    const m = parseManifest(`${h}  data/a b.txt\n${h} *data/bin\nnot a line\n`);
    expect([...m.entries]).toEqual([
      ['data/a b.txt', h],
      ['data/bin', h],
    ]);
    expect(m.bad).toEqual([3]);
  });

  it('keeps one key per data folder in a 0600 file, and parses the printed public key', () => {
    const again = SigningKey.loadOrCreate(dir);
    expect(again.fingerprint).toBe(key.fingerprint);
    expect(fs.statSync(SigningKey.file(dir)).mode & 0o777).toBe(0o600);
    const printed = `ed25519:${rawPublicKey(key.publicKey).toString('base64')}`;
    expect(fingerprint(parsePublicKey(printed))).toBe(key.fingerprint);
    expect(() => parsePublicKey('ed25519:AAAA')).toThrow();
  });

  it('transcodes a master that is not H.264 into an H.264 working copy and leaves the master as it was', async () => {
    const work = tempDir('shopwatch-working-');
    fs.mkdirSync(path.join(work, 'master'));
    const master = path.join(work, 'master', 'clip.mp4');
    const make = [
      '-v',
      'error',
      '-f',
      'lavfi',
      '-i',
      'testsrc=duration=2:size=320x240:rate=10',
      '-c:v',
      'mpeg4',
      master,
    ];
    expect((await run('ffmpeg', make)).code).toBe(0);
    const before = sha(fs.readFileSync(master));
    const copy = await makeWorkingCopy(work, 'master/clip.mp4');
    expect(copy).toMatchObject({ method: 'transcode', file: 'working/clip-WORKING-COPY.mp4' });
    expect(copy.command).toContain('-c:v libx264');
    const probe = ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=codec_name', '-of', 'csv=p=0'];
    expect((await run('ffprobe', [...probe, path.join(work, copy.file)])).stdout.trim()).toBe('h264');
    expect(sha(fs.readFileSync(master))).toBe(before);
  });

  it('escapes what people typed in the readable record, so it cannot run script in the page', () => {
    const evil = '<script>alert(1)</script> & "quoted"';
    const record = buildRecord({
      exhibit: 'JD/1',
      disclosure: { to: evil, organisation: 'Example Constabulary', reason: evil },
      who: { kind: 'user', id: 'op', name: evil, scheme: 'town' },
      scheme: { id: 'town', name: 'Town' },
      candidate: null,
      subjectAlias: null,
      alert: null,
      masters: [],
      working: null,
      notes: [evil],
    });
    const entry = { at: record.generatedAt, source: 'audit' as const, actor: 'user:op', action: 'disclose' };
    const log = [{ ...entry, file: null, detail: { to: evil } }];
    const html = renderRecordHtml(record, log);
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quoted&quot;');
  });
});
