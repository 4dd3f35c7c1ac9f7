import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditEntry, Subject } from '@shopwatch/protocols';
import { enrolmentFaceRegion, enrolmentPhoto } from '../../models/test/fixtures';
import { loadConfig } from '../../hub/src/config';
import { type RunningHub, startHub } from '../../hub/src/hub';
import { login, tempDir, testScheme, writeSeed } from '../../hub/test/support/hub';
import { type TestPostgres, startPostgres } from '../../hub/test/support/postgres';

const sha = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');

/**
 * Issue 14: gallery photos are personal data kept through the blob store, which replicas share
 * (SHOPWATCH_FILES_DIR: one mount for all). A photo enrolled on replica A is served by B, and a
 * purge on B leaves no copy of it anywhere on the shared store.
 */
describe('gallery photos across two replicas sharing the blob store', () => {
  let pgServer: TestPostgres;
  const hubs: RunningHub[] = [];
  const dataDir = tempDir('shopwatch-gallery-data-');
  const filesDir = tempDir('shopwatch-gallery-files-');
  const base = (i: number) => `http://127.0.0.1:${hubs[i]!.httpPort}`;
  let coord: string[] = [];

  const call = async (i: number, p: string, init: RequestInit = {}) => {
    const headers = { authorization: `Bearer ${coord[i]}`, ...(init.headers as Record<string, string>) };
    return fetch(`${base(i)}${p}`, { ...init, headers });
  };
  const postJson = async (i: number, p: string, body: unknown) => {
    const res = await call(i, p, {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status, `${p}: ${res.status}`).toBeLessThan(300);
    return res.json() as Promise<any>;
  };

  beforeAll(async () => {
    pgServer = await startPostgres();
    const seed = writeSeed(dataDir, testScheme());
    for (const nodeId of ['replica-a', 'replica-b']) {
      const overrides = { httpPort: 0, mqttPort: 0, host: '127.0.0.1', dataDir, filesDir, seed, nodeId };
      const config = loadConfig({ SHOPWATCH_DATABASE_URL: pgServer.url }, { ...overrides, logLevel: 'error' });
      hubs.push(await startHub(config));
    }
    coord = [await login(base(0), 'coord', 'coord-password'), await login(base(1), 'coord', 'coord-password')];
  }, 180_000);
  afterAll(async () => {
    for (const h of hubs.reverse()) await h.stop();
    await pgServer?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
    fs.rmSync(filesDir, { recursive: true, force: true });
  });

  it('serves on B a photo enrolled on A, audits the view, and a removal on B leaves no file', async () => {
    const inc = await postJson(0, '/api/incidents', {
      type: 'theft',
      occurredAt: new Date(Date.now() - 3600_000).toISOString(),
      store: 'boots',
      description: 'Took razor blades and left without paying',
      statement: 'I saw the man take six packs of razor blades into his jacket and walk out past the tills.',
    });
    const subject = Subject.parse(
      await postJson(0, '/api/gallery/subjects', {
        alias: 'Razor Man',
        status: 'known',
        reason: 'repeat-offending',
        incidentIds: [inc.id],
        under18: false,
        vulnerable: false,
      }),
    );
    const r = enrolmentFaceRegion;
    const face = await sharp(enrolmentPhoto)
      .extract({ left: r.x, top: r.y, width: r.w, height: r.h })
      .resize(340)
      .jpeg({ quality: 92 })
      .toBuffer();
    const added = await call(0, `/api/gallery/subjects/${subject.id}/photos?source=CCTV%20still`, {
      method: 'POST',
      body: face as unknown as BodyInit,
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(added.status).toBe(201);
    const photo = Subject.parse(await added.json()).photos[0]!;

    // On the shared store, whole, and nowhere else: the data dir holds no photo of its own.
    const stored = path.join(filesDir, 'gallery', subject.id, `${photo.id}.img`);
    expect(sha(fs.readFileSync(stored))).toBe(photo.sha256);
    expect(fs.existsSync(path.join(dataDir, 'gallery'))).toBe(false);

    // Replica B, which never saw the upload, serves the same bytes and audits the view.
    const served = await call(1, `/api/gallery/subjects/${subject.id}/photos/${photo.id}`);
    expect(served.status).toBe(200);
    expect(sha(Buffer.from(await served.arrayBuffer()))).toBe(photo.sha256);
    const admin = await login(base(1), 'admin', 'admin-password');
    const audit = await fetch(`${base(1)}/api/audit?limit=50`, { headers: { authorization: `Bearer ${admin}` } });
    const views = AuditEntry.array()
      .parse(await audit.json())
      .filter((e) => e.action === 'view' && e.object.kind === 'photo' && e.object.id === photo.id);
    expect(views).toHaveLength(1);

    // Removed on B: no file, no folder left on the shared store; A no longer serves it.
    const removed = await postJson(1, `/api/gallery/subjects/${subject.id}/remove`, { reason: 'no longer needed' });
    expect(removed.state).toBe('removed');
    expect(fs.existsSync(stored)).toBe(false);
    expect(fs.existsSync(path.join(filesDir, 'gallery', subject.id))).toBe(false);
    const after = await call(0, `/api/gallery/subjects/${subject.id}/photos/${photo.id}`);
    expect(after.status).toBe(404);
  });
});
