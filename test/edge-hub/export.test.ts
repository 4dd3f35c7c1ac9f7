import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SigningKey } from '../../hub/src/export/keys';
import { evidenceCases, hubCli, rezip, run, sha, unzip } from './support/export-fixtures';
import { login, startTestHub, tempDir } from '../../hub/test/support/hub';

/**
 * Police evidence packages from the command line, end to end: a real hub and SQLite file, an
 * edge uplink uploading a real H.264 clip, a reviewer's confirmation, then `npm run hub --
 * export` and `export verify` as separate processes, checked with unzip, sha256sum and ffprobe.
 */
// Each test runs the command line as separate processes; on a loaded machine each start takes seconds.
describe('police evidence package (CLI)', { timeout: 180_000 }, () => {
  let hub: Awaited<ReturnType<typeof startTestHub>>;
  let cases: Awaited<ReturnType<typeof evidenceCases>>;
  const dir = tempDir('shopwatch-export-test-');
  const pkg = path.join(dir, 'JD-1.zip');
  const bag = path.join(dir, 'unpacked', 'JD-1');
  const inBag = (f: string) => path.join(bag, f);

  beforeAll(async () => {
    hub = await startTestHub();
    cases = await evidenceCases(hub, dir);
  }, 60_000);
  afterAll(async () => {
    await cases?.edge.close();
    await hub?.stop();
  });

  it('writes a BagIt package whose manifests pass coreutils sha256sum -c after unzip', async () => {
    // A reviewer looked at the crop first: the view belongs in the continuity log.
    const auth = { authorization: `Bearer ${cases.op}` };
    const seen = await fetch(`${hub.http}/api/review/case-0001/files/crop.jpg`, { headers: auth });
    expect(seen.status).toBe(200);
    const r = await hubCli(
      hub.dataDir,
      [
        'export',
        '--candidate',
        'case-0001',
        '--exhibit',
        'JD/1',
        '--out',
        pkg,
        '--to',
        'DC 1234 Jane Smith',
        '--organisation',
        'Example Constabulary',
        '--reason',
        'Theft from Boots, crime ref 42/2026',
      ],
      true,
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/wrote .*JD-1\.zip/);
    await unzip(pkg, path.dirname(bag));
    expect(fs.readdirSync(path.dirname(bag))).toEqual(['JD-1']);
    const check = await run('sha256sum', ['-c', '--strict', 'manifest-sha256.txt'], { cwd: bag });
    expect(check.code).toBe(0);
    const lines = check.stdout.trim().split('\n');
    const every = [
      'master/clip.mp4',
      'master/crop.jpg',
      'master/frame.jpg',
      'working/clip-WORKING-COPY.mp4',
      'working/clip-WORKING-COPY.txt',
      'record.json',
      'record.html',
      'continuity.json',
    ];
    expect(lines.sort()).toEqual(every.map((f) => `data/${f}: OK`).sort());
    expect(lines.every((l) => l.endsWith(': OK'))).toBe(true);
    expect((await run('sha256sum', ['-c', '--strict', 'tagmanifest-sha256.txt'], { cwd: bag })).code).toBe(0);
    const declaration = 'BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n';
    expect(fs.readFileSync(inBag('bagit.txt'), 'utf8')).toBe(declaration);
  });

  it('keeps the master bit for bit as uploaded and adds an H.264 working copy that ffprobe reads', async () => {
    const uploaded = fs.readFileSync(cases.media.clip);
    const master = fs.readFileSync(inBag('data/master/clip.mp4'));
    expect(master.equals(uploaded)).toBe(true);
    expect(fs.readFileSync(inBag('data/master/crop.jpg')).equals(fs.readFileSync(cases.media.crop))).toBe(true);
    const recorded = await hub.services.evidenceRepo.getFile('case-0001', 'clip.mp4');
    expect(sha(master)).toBe(recorded!.sha256); // the capture hash the edge declared and the hub verified
    const probe = await run('ffprobe', [
      '-v',
      'error',
      '-select_streams',
      'v:0',
      '-show_entries',
      'stream=codec_name:format=duration',
      '-of',
      'json',
      inBag('data/working/clip-WORKING-COPY.mp4'),
    ]);
    const info = JSON.parse(probe.stdout);
    expect(info.streams[0].codec_name).toBe('h264');
    expect(Number(info.format.duration)).toBeGreaterThan(3);
    const how = fs.readFileSync(inBag('data/working/clip-WORKING-COPY.txt'), 'utf8');
    expect(how).toContain('ffmpeg -hide_banner -loglevel error -nostdin -i master/clip.mp4');
    expect(how).toMatch(/^ffmpeg version \S+/m);
  });

  it('carries bag-info, the record (JSON and HTML) with the clock offset, and the continuity log', () => {
    const info = fs.readFileSync(inBag('bag-info.txt'), 'utf8');
    expect(info).toMatch(/^External-Identifier: JD\/1$/m);
    expect(info).toMatch(/^Source-Organization: Town Centre BCRP$/m);
    expect(info).toMatch(/^Bagging-Date: \d{4}-\d\d-\d\d$/m);
    expect(info).toMatch(/^Edge-Clock-Offset-Ms: 1250$/m);
    const payload = [
      'master/clip.mp4',
      'master/crop.jpg',
      'master/frame.jpg',
      'working/clip-WORKING-COPY.mp4',
      'working/clip-WORKING-COPY.txt',
      'record.json',
      'record.html',
      'continuity.json',
    ].map((f) => fs.statSync(inBag(`data/${f}`)).size);
    expect(info).toContain(`Payload-Oxum: ${payload.reduce((a, b) => a + b, 0)}.${payload.length}`);
    const record = JSON.parse(fs.readFileSync(inBag('data/record.json'), 'utf8'));
    expect(record).toMatchObject({
      exhibit: 'JD/1',
      review: { status: 'confirmed', decidedBy: 'operator', reason: 'confirm: same coat and face' },
      candidate: { subjectAlias: 'Razor Man', cameraId: 'cam-1' },
      clock: { edgeClockOffsetMs: 1250 },
      alert: { type: 'gallery-match', id: cases.alertId },
    });
    expect(Date.parse(record.clock.capturedAtEdgeClock) - Date.parse(record.clock.capturedAtHubClock)).toBe(1250);
    const html = fs.readFileSync(inBag('data/record.html'), 'utf8');
    const shown = ['JD/1', 'Razor Man', 'confirm: same coat and face', 'cam-1', '1250 ms', 'Continuity log'];
    shown.push(recordedHash(record));
    for (const s of shown) {
      expect(html).toContain(s);
    }
    type Step = { action: string; file: string | null; source: string };
    const log = JSON.parse(fs.readFileSync(inBag('data/continuity.json'), 'utf8')) as Step[];
    const steps = log.map((e) => `${e.source}:${e.action}:${e.file ?? ''}`);
    expect(steps).toEqual(
      expect.arrayContaining([
        'custody:reported:',
        'custody:received:clip.mp4',
        'audit:decide:',
        'custody:viewed:crop.jpg',
        'audit:view:crop.jpg',
        'custody:transferred:clip.mp4',
        'custody:exported:',
        'audit:disclose:',
      ]),
    );
  });

  it('is recorded as a disclosure to whom and why, in the audit log and the custody log', async () => {
    const coord = await login(hub.http, 'coord', 'coord-password');
    const res = await fetch(`${hub.http}/api/audit`, { headers: { authorization: `Bearer ${coord}` } });
    const audit = (await res.json()) as { action: string; object: { id: string }; detail: Record<string, unknown> }[];
    const d = audit.find((e) => e.action === 'disclose' && e.object.id === 'case-0001');
    const why = 'Theft from Boots, crime ref 42/2026';
    const to = 'DC 1234 Jane Smith';
    expect(d?.detail).toMatchObject({ to, organisation: 'Example Constabulary', why, exhibit: 'JD/1' });
    const custody = await hub.services.evidenceRepo.custodyLog('case-0001');
    const exported = custody.find((e) => e.action === 'exported');
    expect(exported?.detail).toMatchObject({ exhibit: 'JD/1', organisation: 'Example Constabulary' });
  });

  it('verifies the package with the hub key, and names a payload file changed by one byte', async () => {
    const good = await hubCli(hub.dataDir, ['export', 'verify', pkg], true);
    expect(good.code).toBe(0);
    expect(good.stdout).toContain('GOOD');
    const clip = inBag('data/master/clip.mp4');
    const original = fs.readFileSync(clip);
    const bad = Buffer.from(original);
    bad[Math.floor(bad.length / 2)]! ^= 0x01;
    fs.writeFileSync(clip, bad);
    const tampered = path.join(dir, 'tampered-payload.zip');
    await rezip(path.dirname(bag), 'JD-1', tampered);
    fs.writeFileSync(clip, original);
    const r = await hubCli(hub.dataDir, ['export', 'verify', tampered]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('data/master/clip.mp4: SHA-256 differs from manifest-sha256.txt');
    expect(r.stderr).not.toMatch(/crop\.jpg|record\.json|signature/);
  });

  it('names bag-info.txt through the tag manifest when it is edited', async () => {
    const file = inBag('bag-info.txt');
    const original = fs.readFileSync(file, 'utf8');
    fs.writeFileSync(file, original.replace('Disclosed-To: DC 1234 Jane Smith', 'Disclosed-To: Someone Else'));
    const tampered = path.join(dir, 'tampered-info.zip');
    await rezip(path.dirname(bag), 'JD-1', tampered);
    fs.writeFileSync(file, original);
    const r = await hubCli(hub.dataDir, ['export', 'verify', tampered]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('bag-info.txt: SHA-256 differs from tagmanifest-sha256.txt');
  });

  it('refuses a package re-signed by another key, and accepts the hub key given with --key', async () => {
    const other = crypto.generateKeyPairSync('ed25519');
    const sigFile = inBag('tagmanifest-sha256.txt.sig');
    const original = fs.readFileSync(sigFile);
    const manifest = fs.readFileSync(inBag('tagmanifest-sha256.txt'));
    const forged = crypto.sign(null, manifest, other.privateKey).toString('base64');
    fs.writeFileSync(sigFile, `${forged}\n`);
    const resigned = path.join(dir, 'resigned.zip');
    await rezip(path.dirname(bag), 'JD-1', resigned);
    fs.writeFileSync(sigFile, original);
    const r = await hubCli(hub.dataDir, ['export', 'verify', resigned]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/tagmanifest-sha256\.txt\.sig: the signature .* does not verify/);
    // The key a force was given (printed by `keys`) verifies the real package; another key does not.
    const keys = await hubCli(hub.dataDir, ['keys']);
    expect(keys.code).toBe(0);
    const pub = /public key: (ed25519:\S+)/.exec(keys.stdout)![1]!;
    const away = tempDir(); // the data folder of a machine without the hub's key
    const verifyAway = (key: string) => hubCli(away, ['export', 'verify', pkg, '--key', key]);
    expect((await verifyAway(pub)).code).toBe(0);
    const otherPem = path.join(dir, 'other.pub.pem');
    fs.writeFileSync(otherPem, other.publicKey.export({ type: 'spki', format: 'pem' }));
    expect((await verifyAway(otherPem)).code).toBe(1);
  });

  it('prints the signing key with its fingerprint; the private key file is readable by the hub only', async () => {
    const keys = await hubCli(hub.dataDir, ['keys']);
    const fp = /fingerprint: (SHA256:[0-9a-f]{64})/.exec(keys.stdout)![1];
    expect(fs.readFileSync(inBag('bag-info.txt'), 'utf8')).toContain(`Signing-Key-Fingerprint: ${fp}`);
    expect(keys.stdout).toContain('-----BEGIN PUBLIC KEY-----');
    expect(keys.stdout).not.toContain('PRIVATE');
    expect(fs.statSync(SigningKey.file(hub.dataDir)).mode & 0o777).toBe(0o600);
  });

  it('exports a confirmed match whose clip never came, saying CLIP MISSING loudly', async () => {
    const out = path.join(dir, 'JD-2.zip');
    const r = await hubCli(hub.dataDir, ['export', '--candidate', 'case-0002', '--exhibit', 'JD/2', '--out', out]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/WARNING: CLIP MISSING: the edge box reported "camera-offline"/);
    const unpacked = await unzip(out, path.join(dir, 'jd2'));
    expect(fs.readFileSync(path.join(unpacked, 'JD-2/bag-info.txt'), 'utf8')).toMatch(/^Evidence-Note: CLIP MISSING/m);
    expect(fs.readFileSync(path.join(unpacked, 'JD-2/data/record.html'), 'utf8')).toContain('CLIP MISSING');
    expect(fs.existsSync(path.join(unpacked, 'JD-2/data/master/clip.mp4'))).toBe(false);
    expect((await hubCli(hub.dataDir, ['export', 'verify', out])).code).toBe(0);
  });

  it('refuses rejected, unreviewed and unknown evidence clearly, writing nothing', async () => {
    const cases: [string[], RegExp][] = [
      [['--candidate', 'case-0003'], /rejected by operator .* images and clip were deleted/],
      [['--candidate', 'case-0004'], /not reviewed yet/],
      [['--candidate', 'case-9999'], /candidate "case-9999" not found/],
      [['--alert', 'no-such-alert'], /alert "no-such-alert" not found/],
    ];
    for (const [target, why] of cases) {
      const out = path.join(dir, `refused-${target[1]}.zip`);
      const r = await hubCli(hub.dataDir, ['export', ...target, '--exhibit', 'JD/9', '--out', out]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(why);
      expect(fs.existsSync(out)).toBe(false);
      expect(fs.existsSync(`${out}.part`)).toBe(false);
    }
    for (const id of ['case-0003', 'case-0004'])
      expect((await hub.services.evidenceRepo.custodyLog(id)).some((e) => e.action === 'exported')).toBe(false);
    // Nowhere to write: refused before anything is recorded as disclosed.
    const exports = async () =>
      (await hub.services.evidenceRepo.custodyLog('case-0001')).filter((e) => e.action === 'exported');
    const before = (await exports()).length;
    const nowhere = path.join(dir, 'no-such-folder', 'JD-8.zip');
    const r = await hubCli(hub.dataDir, ['export', '--candidate', 'case-0001', '--exhibit', 'JD/8', '--out', nowhere]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot write into .*no-such-folder/);
    expect((await exports()).length).toBe(before);
  });

  it('refuses to export a master that changed or vanished on the hub, and logs it in the custody log', async () => {
    const stored = path.join(hub.dataDir, 'evidence', 'case-0002', 'frame.jpg');
    fs.appendFileSync(stored, 'x');
    const out = path.join(dir, 'JD-3.zip');
    const args = ['export', '--candidate', 'case-0002', '--exhibit', 'JD/3', '--out', out];
    const changed = await hubCli(hub.dataDir, args);
    expect(changed.code).toBe(1);
    expect(changed.stderr).toContain('frame.jpg failed its integrity check: it no longer matches its capture SHA-256');
    fs.rmSync(stored);
    const gone = await hubCli(hub.dataDir, args);
    expect(gone.stderr).toContain('frame.jpg failed its integrity check: it is missing from the evidence store');
    expect(fs.existsSync(out)).toBe(false);
    const log = await hub.services.evidenceRepo.custodyLog('case-0002');
    expect(log.filter((e) => e.action === 'integrity_failure' && e.name === 'frame.jpg')).toHaveLength(2);
  });
});

function recordedHash(record: { files: { role: string; name: string; sha256: string }[] }) {
  return record.files.find((f) => f.role === 'master' && f.name === 'clip.mp4')!.sha256;
}
