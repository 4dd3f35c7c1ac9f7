import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { enrolmentFaceRegion, enrolmentPhoto } from '../../../models/test/fixtures';
import { login, startTestHub, tempDir } from '../support/hub';

/** Every file and directory under `root` whose mode is not 0600 / 0700. */
function loose(root: string): string[] {
  const bad: string[] = [];
  const walk = (p: string) => {
    // The provisioning file is the test's own input (written by the test helper), not the hub's.
    if (p === path.join(root, 'seed.json')) return;
    const st = fs.lstatSync(p);
    const want = st.isDirectory() ? 0o700 : 0o600;
    if ((st.mode & 0o777) !== want) bad.push(`${path.relative(root, p) || '.'} ${(st.mode & 0o777).toString(8)}`);
    if (st.isDirectory()) for (const n of fs.readdirSync(p)) walk(path.join(p, n));
  };
  walk(root);
  return bad;
}

/**
 * The data directory holds the database, gallery photos, evidence and keys. Seen from another
 * local user: nothing in it may be readable. Checked with a permissive umask (022) in force,
 * on data an older hub left world-readable, and on files written during the run (an upload).
 */
describe('data directory file modes', () => {
  let hub: Awaited<ReturnType<typeof startTestHub>> | null = null;
  afterAll(async () => hub?.stop());

  it('is 0700 / 0600 throughout after a run with a photo upload, whatever the umask', async () => {
    const dataDir = tempDir();
    // What an older hub, run with umask 022, left behind.
    fs.chmodSync(dataDir, 0o755);
    fs.mkdirSync(path.join(dataDir, 'evidence', 'cand-old'), { recursive: true, mode: 0o755 });
    fs.writeFileSync(path.join(dataDir, 'evidence', 'cand-old', 'clip.mp4'), 'old clip', { mode: 0o644 });
    fs.chmodSync(path.join(dataDir, 'evidence', 'cand-old', 'clip.mp4'), 0o644);
    fs.chmodSync(path.join(dataDir, 'evidence'), 0o755);
    fs.chmodSync(path.join(dataDir, 'evidence', 'cand-old'), 0o755);
    try {
      process.umask(0o022);
    } catch {
      // worker threads cannot set it; the files above are loose anyway
    }

    hub = await startTestHub({ dataDir });
    const coord = await login(hub.http, 'coord', 'coord-password');
    const call = async (p: string, body: unknown, type = 'application/json') => {
      const res = await fetch(`${hub!.http}${p}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${coord}`, 'content-type': type },
        body: Buffer.isBuffer(body) ? (body as unknown as BodyInit) : JSON.stringify(body),
      });
      return { status: res.status, json: (await res.json()) as any };
    };
    const inc = await call('/api/incidents', {
      type: 'theft',
      occurredAt: new Date(Date.now() - 3600_000).toISOString(),
      store: 'boots',
      description: 'Took razor blades and left',
      statement: 'I saw the man take six packs of razor blades into his jacket and walk out past the tills.',
    });
    expect(inc.status).toBe(201);
    const subject = await call('/api/gallery/subjects', {
      alias: 'Razor Man',
      status: 'known',
      reason: 'repeat-offending',
      incidentIds: [inc.json.id],
      under18: false,
      vulnerable: false,
    });
    expect(subject.status).toBe(201);
    const r = enrolmentFaceRegion;
    const face = { left: r.x, top: r.y, width: r.w, height: r.h };
    const photo = await sharp(enrolmentPhoto).extract(face).resize(340).jpeg({ quality: 92 }).toBuffer();
    const up = await call(`/api/gallery/subjects/${subject.json.id}/photos?source=test`, photo, 'image/jpeg');
    expect(up.status, JSON.stringify(up.json)).toBe(201);

    // While running: the database, its -wal and -shm, the photo, the audit key and anchor.
    const names = fs.readdirSync(dataDir, { recursive: true }).map(String);
    const expected = [
      'shopwatch.db',
      'shopwatch.db-wal',
      'shopwatch.db-shm',
      'audit-anchor.json',
      path.join('keys', 'audit-hmac.key'),
    ];
    expect(names).toEqual(expect.arrayContaining(expected));
    const isPhoto = (n: string) =>
      n.startsWith(`gallery${path.sep}`) && !fs.statSync(path.join(dataDir, n)).isDirectory();
    expect(names.some(isPhoto)).toBe(true);
    expect(loose(dataDir)).toEqual([]);
    await hub.stop();
    hub = null;
    expect(loose(dataDir)).toEqual([]);
  }, 120_000);
});
