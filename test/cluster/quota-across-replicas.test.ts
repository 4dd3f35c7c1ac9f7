import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CandidateReport, topics } from '@shopwatch/protocols';
import { loadConfig } from '../../hub/src/config';
import { type RunningHub, startHub } from '../../hub/src/hub';
import { tempDir, testScheme, writeSeed } from '../../hub/test/support/hub';
import { TestDevice, sleep } from '../../hub/test/support/mqtt';
import { type TestPostgres, startPostgres } from '../../hub/test/support/postgres';
import { addSubject, candidateItem, clipItem } from '../edge-hub/support/evidence';

const AUTH = `Basic ${Buffer.from('edge-boots:edge-boots-secret-for-tests').toString('base64')}`;
const MB = 1024 * 1024;

/**
 * A PATCH that sends the first half of its body and then holds the connection open, still
 * uploading as far as the hub can tell, until `finish()` sends the rest.
 */
function heldPatch(url: string, body: Buffer, sha256: string) {
  let finish!: () => void;
  const answer = new Promise<number>((resolve, reject) => {
    const req = http.request(url, {
      method: 'PATCH',
      headers: {
        authorization: AUTH,
        'content-length': String(body.length),
        'upload-offset': '0',
        'upload-length': String(body.length),
        'x-content-sha256': sha256,
      },
    });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    const half = Math.floor(body.length / 2);
    req.write(body.subarray(0, half));
    finish = () => req.end(body.subarray(half));
  });
  return { answer, finish: () => finish() };
}

/**
 * Issue 14: an edge box's quota of pending evidence holds however its PATCHes are spread over
 * the replicas. The bytes a PATCH in progress may still write are reserved in the shared
 * database, so replica B sees what the box is uploading to replica A at that very moment.
 */
describe('the upload quota across two replicas', () => {
  let pgServer: TestPostgres;
  const hubs: RunningHub[] = [];
  let edge: TestDevice;
  const dataDir = tempDir('shopwatch-quota-');
  const work = tempDir();
  const fileUrl = (i: number, id: string) => `http://127.0.0.1:${hubs[i]!.httpPort}/api/edge/files/${id}/clip.mp4`;
  const part = (id: string) => path.join(dataDir, 'evidence', id, 'clip.mp4.part');

  beforeAll(async () => {
    pgServer = await startPostgres();
    const seed = writeSeed(dataDir, testScheme());
    for (const nodeId of ['replica-a', 'replica-b']) {
      const overrides = { httpPort: 0, mqttPort: 0, host: '127.0.0.1', dataDir, seed, nodeId };
      hubs.push(
        await startHub(loadConfig({ SHOPWATCH_DATABASE_URL: pgServer.url }, { ...overrides, logLevel: 'error' })),
      );
    }
    await addSubject(hubs[0]!, 'subj-1');
    edge = await TestDevice.connect(hubs[0]!.mqttPort, 'edge-boots', 'edge-boots-secret-for-tests');
  }, 180_000);
  afterAll(async () => {
    await edge?.end().catch(() => undefined);
    for (const h of hubs.reverse()) await h.stop();
    await pgServer?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
    fs.rmSync(work, { recursive: true, force: true });
  });

  /** A pending candidate with a declared 2 MB clip (its pictures declared, never uploaded). */
  async function candidateWithClip(id: string) {
    const item = await candidateItem(work, id);
    await edge.publish(
      topics.evidence('town', 'edge-boots'),
      CandidateReport.parse({ kind: 'candidate', ...(item.payload as object) }),
    );
    const clip = clipItem(work, id, 2 * MB + 5);
    await edge.publish(topics.evidence('town', 'edge-boots'), { kind: 'clip', ...(clip.payload as object) });
    const f = clip.files[0]!;
    await expect.poll(() => hubs[1]!.services.evidenceRepo.getFile(id, 'clip.mp4'), { timeout: 10_000 }).toBeTruthy();
    return { bytes: fs.readFileSync(f.path!), sha256: f.sha256 };
  }

  it('refuses on B a clip that with the one still arriving on A passes the quota, writing none of it', async () => {
    for (const h of hubs) h.services.uploads.limits.deviceQuotaBytes = 3 * MB;
    const one = await candidateWithClip('quota-x-001');
    const two = await candidateWithClip('quota-x-002');

    // Half of clip one is on the shared store and the PATCH on A is still open.
    const first = heldPatch(fileUrl(0, 'quota-x-001'), one.bytes, one.sha256);
    await expect.poll(() => fs.statSync(part('quota-x-001'), { throwIfNoEntry: false })?.size ?? 0).toBeGreaterThan(0);
    expect(await hubs[1]!.services.evidenceRepo.bytesHeldPending('edge-boots')).toBe(0); // nothing recorded yet

    // 2 MB reserved on A + 2 MB more would pass 3 MB: B refuses before storing a byte.
    const res = await fetch(fileUrl(1, 'quota-x-002'), {
      method: 'PATCH',
      headers: {
        authorization: AUTH,
        'upload-offset': '0',
        'upload-length': String(two.bytes.length),
        'x-content-sha256': two.sha256,
      },
      body: two.bytes,
    });
    expect(res.status).toBe(507);
    expect(await res.json()).toMatchObject({ code: 'quota_exceeded' });
    expect(fs.existsSync(part('quota-x-002'))).toBe(false);
    expect(fs.existsSync(path.join(dataDir, 'evidence', 'quota-x-002', 'clip.mp4'))).toBe(false);

    // Clip one completes on A; its reservation is given back (only its received bytes count now).
    first.finish();
    expect(await first.answer).toBe(201);
    await sleep(50);
    for (const h of hubs) h.services.uploads.limits.deviceQuotaBytes = 5 * MB;
    const again = await fetch(fileUrl(1, 'quota-x-002'), {
      method: 'PATCH',
      headers: {
        authorization: AUTH,
        'upload-offset': '0',
        'upload-length': String(two.bytes.length),
        'x-content-sha256': two.sha256,
      },
      body: two.bytes,
    });
    expect(again.status).toBe(201);
  });
});
