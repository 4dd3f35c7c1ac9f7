import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CandidateReport, topics } from '@shopwatch/protocols';
import { loadConfig } from '../../hub/src/config';
import { type RunningHub, startHub } from '../../hub/src/hub';
import { login, tempDir, testScheme, writeSeed } from '../../hub/test/support/hub';
import { sha } from '../../hub/test/support/media';
import { TestDevice, sleep } from '../../hub/test/support/mqtt';
import { type TestPostgres, startPostgres } from '../../hub/test/support/postgres';
import { addSubject, candidateItem, clipItem } from '../edge-hub/support/evidence';

const AUTH = `Basic ${Buffer.from('edge-boots:edge-boots-secret-for-tests').toString('base64')}`;

/** A PATCH whose body trickles in (chunks with pauses), so two of them overlap for certain. */
function slowPatch(
  url: string,
  body: Buffer,
  offset: number,
  length: number,
  hash: string,
  chunk = 256 * 1024,
  /** Holds the rest of the body back once half is sent, until this settles (a stalled link). */
  stallAtHalf?: Promise<void>,
) {
  return new Promise<{ status: number; offset: string | undefined }>((resolve, reject) => {
    const req = http.request(url, {
      method: 'PATCH',
      headers: {
        authorization: AUTH,
        'content-length': String(body.length),
        'upload-offset': String(offset),
        'upload-length': String(length),
        'x-content-sha256': hash,
      },
    });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, offset: res.headers['upload-offset'] as string }));
    });
    req.on('error', reject);
    void (async () => {
      for (let i = 0; i < body.length; i += chunk) {
        if (stallAtHalf && i >= body.length / 2 && i - chunk < body.length / 2) await stallAtHalf;
        req.write(body.subarray(i, i + chunk));
        await sleep(40);
      }
      req.end();
    })();
  });
}

/**
 * Issue 14: hub replicas share PostgreSQL and one data directory for files (a shared mount in
 * production). An edge box's resumable upload may send each PATCH to another replica — through
 * HAProxy it will — so nothing a PATCH needs may live in one replica's memory.
 */
describe('evidence uploads across two replicas sharing the file store', () => {
  let pgServer: TestPostgres;
  const hubs: RunningHub[] = [];
  let edge: TestDevice;
  const dataDir = tempDir('shopwatch-shared-files-');
  const work = tempDir();
  const base = (i: number) => `http://127.0.0.1:${hubs[i]!.httpPort}`;
  const fileUrl = (i: number, id: string, name: string) => `${base(i)}/api/edge/files/${id}/${name}`;

  beforeAll(async () => {
    pgServer = await startPostgres();
    const seed = writeSeed(dataDir, testScheme());
    for (const nodeId of ['replica-a', 'replica-b']) {
      const overrides = {
        httpPort: 0,
        mqttPort: 0,
        host: '127.0.0.1',
        dataDir,
        seed,
        nodeId,
        logLevel: 'error' as const,
      };
      hubs.push(await startHub(loadConfig({ SHOPWATCH_DATABASE_URL: pgServer.url }, overrides)));
    }
    await addSubject(hubs[0]!, 'subj-1');
    edge = await TestDevice.connect(hubs[0]!.mqttPort, 'edge-boots', 'edge-boots-secret-for-tests');
  }, 180_000);
  afterAll(async () => {
    await edge?.end().catch(() => undefined);
    for (const h of hubs.reverse()) await h.stop();
    await pgServer?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('resumes on replica B an upload that replica A took half of, and verifies it once', async () => {
    const item = await candidateItem(work, 'xrep-0001');
    await edge.publish(
      topics.evidence('town', 'edge-boots'),
      CandidateReport.parse({ kind: 'candidate', ...(item.payload as object) }),
    );
    const frame = item.files.find((f) => f.name === 'frame.jpg')!;
    const bytes = fs.readFileSync(frame.path!);
    const half = Math.floor(bytes.length / 2);
    const headers = (offset: number) => ({
      authorization: AUTH,
      'upload-offset': String(offset),
      'upload-length': String(bytes.length),
      'x-content-sha256': sha(bytes),
    });

    const first = await fetch(fileUrl(0, 'xrep-0001', 'frame.jpg'), {
      method: 'PATCH',
      headers: headers(0),
      body: bytes.subarray(0, half),
    });
    expect(first.status).toBe(204);
    expect(first.headers.get('upload-offset')).toBe(String(half));
    // Replica B knows how much is held without ever having seen a byte of it.
    const head = await fetch(fileUrl(1, 'xrep-0001', 'frame.jpg'), {
      method: 'HEAD',
      headers: { authorization: AUTH },
    });
    expect(head.status).toBe(200);
    expect(head.headers.get('upload-offset')).toBe(String(half));
    expect(head.headers.get('upload-complete')).toBe('false');
    const rest = await fetch(fileUrl(1, 'xrep-0001', 'frame.jpg'), {
      method: 'PATCH',
      headers: headers(half),
      body: bytes.subarray(half),
    });
    expect(rest.status).toBe(201);
    expect(await rest.json()).toMatchObject({ verified: true, sha256: sha(bytes), bytes: bytes.length });

    // Replica A serves the verified file to a reviewer, bit for bit; the custody log says so once.
    const op = await login(base(0), 'operator', 'operator-password');
    const media = await fetch(`${base(0)}/api/review/xrep-0001/files/frame.jpg`, {
      headers: { authorization: `Bearer ${op}` },
    });
    expect(media.status).toBe(200);
    expect(sha(Buffer.from(await media.arrayBuffer()))).toBe(sha(bytes));
    const log = await hubs[1]!.services.evidenceRepo.custodyLog('xrep-0001');
    expect(log.filter((e) => e.name === 'frame.jpg' && e.action === 'received')).toHaveLength(1);
  });

  it('keeps one good clip when a retry on B overtakes a first try A is still reading', async () => {
    const item = await candidateItem(work, 'xrep-0002');
    const report = CandidateReport.parse({ kind: 'candidate', ...(item.payload as object) });
    await edge.publish(topics.evidence('town', 'edge-boots'), report);
    const clip = clipItem(work, 'xrep-0002', 2 * 1024 * 1024 + 5);
    await edge.publish(topics.evidence('town', 'edge-boots'), { kind: 'clip', ...(clip.payload as object) });
    const f = clip.files[0]!;
    const bytes = fs.readFileSync(f.path!);
    // The first try trickles into replica A and stalls half way (a connection the edge box gave
    // up on, still open); it goes on only after the retry on B is done, whatever the machine's load.
    let resume!: () => void;
    const stalled = new Promise<void>((r) => (resume = r));
    const first = slowPatch(fileUrl(0, 'xrep-0002', 'clip.mp4'), bytes, 0, bytes.length, f.sha256, 64 * 1024, stalled);
    // ... while the box asks replica B where to resume and sends the rest there, at full speed.
    let retry: Response | null = null;
    for (let i = 0; i < 100 && retry?.status !== 201; i++) {
      await sleep(60);
      const head = await fetch(fileUrl(1, 'xrep-0002', 'clip.mp4'), {
        method: 'HEAD',
        headers: { authorization: AUTH },
      });
      const offset = Number(head.headers.get('upload-offset'));
      if (offset < bytes.length / 2) continue; // A has not taken its half yet
      retry = await fetch(fileUrl(1, 'xrep-0002', 'clip.mp4'), {
        method: 'PATCH',
        headers: {
          authorization: AUTH,
          'upload-offset': String(offset),
          'upload-length': String(bytes.length),
          'x-content-sha256': f.sha256,
        },
        body: bytes.subarray(offset),
      });
    }
    resume();
    expect(retry?.status).toBe(201);
    // A keeps writing the bytes it is sent, to where they belong: the verified file stays whole.
    const late = await first;
    expect(late.status).toBe(201);

    const stored = path.join(dataDir, 'evidence', 'xrep-0002', 'clip.mp4');
    expect(fs.statSync(stored).size).toBe(bytes.length);
    expect(sha(fs.readFileSync(stored))).toBe(f.sha256);
    expect(fs.existsSync(`${stored}.part`)).toBe(false);
    const file = await hubs[0]!.services.evidenceRepo.getFile('xrep-0002', 'clip.mp4');
    expect(file?.verifiedAt).toBeTruthy();
    const log = await hubs[0]!.services.evidenceRepo.custodyLog('xrep-0002');
    expect(log.filter((e) => e.name === 'clip.mp4').map((e) => e.action)).toEqual(['declared', 'received']);
  });
});
