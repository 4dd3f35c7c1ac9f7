import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addSubject } from './support/evidence';
import { login, startTestHub } from '../../hub/test/support/hub';

const ROOT = path.resolve(import.meta.dirname, '../..');

describe('subject access export', () => {
  let hub: Awaited<ReturnType<typeof startTestHub>>;
  let admin: string;
  const get = async (p: string) =>
    (await fetch(`${hub.http}${p}`, { headers: { authorization: `Bearer ${admin}` } })).json() as Promise<any>;

  beforeAll(async () => {
    hub = await startTestHub();
    admin = await login(hub.http, 'admin', 'admin-password');
    await addSubject(hub, 'subj-sar');
    const expiresAt = new Date(Date.now() + 86400_000).toISOString();
    await hub.services.galleryRepo.addTemplates('town', [
      {
        id: 'tpl-sar',
        scheme: 'town',
        subjectId: 'subj-sar',
        photoId: null,
        descriptor: new Float32Array(128).fill(0.1),
        expiresAt,
      },
    ]);
  });
  afterAll(async () => hub?.stop());

  it('counts the subject’s templates as the subject API does, over HTTP and from the CLI', async () => {
    const viaSubjectApi = await get('/api/gallery/subjects/subj-sar');
    expect(viaSubjectApi.templates).toBe(1);
    const sar = await get('/api/gallery/subjects/subj-sar/sar');
    expect(sar.subject.templates).toBe(1);

    const out = path.join(hub.dataDir, 'sar-cli.json');
    const env = { ...process.env, SHOPWATCH_DATA_DIR: hub.dataDir };
    const args = ['--import', 'tsx', 'hub/src/main.ts', 'sar', '--subject', 'subj-sar', '--out', out];
    const run = spawnSync(process.execPath, args, { cwd: ROOT, env, encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(fs.readFileSync(out, 'utf8')).subject.templates).toBe(1);
  }, 60_000);
});
