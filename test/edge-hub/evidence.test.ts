import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CandidateReport,
  GallerySnapshot,
  ReviewCandidate,
  ReviewEvent,
  decodeDescriptor,
  topics,
} from '@shopwatch/protocols';
import { HubUplink } from '../../edge-agent/src/uplink/mqtt-uplink';
import { uploadFile } from '../../edge-agent/src/uplink/files';
import { createLogger } from '../../edge-agent/src/log';
import { login, startTestHub, tempDir } from '../../hub/test/support/hub';
import { addSubject, candidateItem, clipItem } from './support/evidence';
import { sha } from '../../hub/test/support/media';
import { TestDevice, sleep } from '../../hub/test/support/mqtt';

describe('evidence from edge boxes and the review queue', () => {
  let hub: Awaited<ReturnType<typeof startTestHub>>;
  let edge: HubUplink;
  let control: TestDevice, boots: TestDevice, tesco: TestDevice;
  let op: string, coord: string;
  const dir = tempDir();
  const http = () => ({ baseUrl: hub.http, deviceId: 'edge-boots', secret: 'edge-boots-secret-for-tests' });
  const api = (p: string, token: string, init: RequestInit = {}) =>
    fetch(`${hub.http}${p}`, {
      ...init,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    });
  const versions: number[] = [];

  beforeAll(async () => {
    hub = await startTestHub();
    control = await TestDevice.connect(hub.mqttPort, 'control-room', 'control-room-secret-for-tests');
    await control.subscribe(topics.reviewCandidates('town'));
    boots = await TestDevice.connect(hub.mqttPort, 'radio-boots', 'radio-boots-secret-for-tests');
    await boots.subscribe(topics.zoneAlerts('town', 'north'));
    tesco = await TestDevice.connect(hub.mqttPort, 'radio-tesco', 'radio-tesco-secret-for-tests');
    await tesco.subscribe(topics.zoneAlerts('town', 'south'));
    edge = new HubUplink({
      mqttUrl: `mqtt://127.0.0.1:${hub.mqttPort}`,
      http: http(),
      scheme: 'town',
      log: createLogger('test:edge'),
      onGalleryVersion: (v) => versions.push(v),
    });
    await new Promise((r) => edge.client.once('connect', r));
    [op, coord] = await Promise.all([
      login(hub.http, 'operator', 'operator-password'),
      login(hub.http, 'coord', 'coord-password'),
    ]);
    // A gallery subject, filled in directly (enrolment with photos is tested in governance.test.ts).
    await addSubject(hub, 'subj-1');
  });
  afterAll(async () => {
    await edge?.close();
    await Promise.all([control, boots, tesco].map((d) => d?.end()));
    await hub?.stop();
  });

  it(
    'serves the gallery to edge boxes as descriptors only, ' + 'announces versions and records what each applied',
    async () => {
      const d = new Float32Array(128).map((_, i) => Math.sin(i));
      const v = await hub.services.galleryRepo.addTemplates('town', [
        {
          id: 'tpl-1',
          scheme: 'town',
          subjectId: 'subj-1',
          photoId: null,
          descriptor: d,
          expiresAt: new Date(Date.now() + 86400_000).toISOString(),
        },
      ]);
      await hub.services.gallery.changed('town', v);
      const deadline = Date.now() + 3000;
      while (!versions.includes(v) && Date.now() < deadline) await sleep(20);
      expect(versions).toContain(v);
      const auth = `Basic ${Buffer.from('edge-boots:edge-boots-secret-for-tests').toString('base64')}`;
      const snap = GallerySnapshot.parse(
        await (await fetch(`${hub.http}/api/edge/gallery`, { headers: { authorization: auth } })).json(),
      );
      expect(snap.version).toBe(v);
      expect(snap.templates).toHaveLength(1);
      expect(Object.keys(snap.templates[0]!).sort()).toEqual([
        'descriptor',
        'expiresAt',
        'subjectId',
        'templateId',
        'version',
      ]);
      expect(Array.from(decodeDescriptor(snap.templates[0]!.descriptor))).toEqual(Array.from(d));
      await edge.reportGallery({ version: v, templates: 1 });
      expect(await hub.services.galleryRepo.applied('edge-boots')).toMatchObject({ version: v, templates: 1 });

      const radio = `Basic ${Buffer.from('radio-boots:radio-boots-secret-for-tests').toString('base64')}`;
      expect((await fetch(`${hub.http}/api/edge/gallery`, { headers: { authorization: radio } })).status).toBe(403);
      const wrong = `Basic ${Buffer.from('edge-boots:wrong').toString('base64')}`;
      expect((await fetch(`${hub.http}/api/edge/gallery`, { headers: { authorization: wrong } })).status).toBe(401);
    },
  );

  it('queues a candidate as pending, tells the control room, and tells no store', async () => {
    const item = await candidateItem(dir, 'cand-0001');
    const t0 = Date.now();
    await edge.deliver(item);
    const ev = ReviewEvent.parse((await control.waitFor((m) => m.json?.candidate?.id === 'cand-0001')).json);
    expect(ev.event).toBe('pending');
    expect(Date.now() - t0).toBeLessThan(1500);
    // When the pictures are verified the control room is told, so the screen needs no polling.
    const updated = await control.waitFor(
      (m) =>
        m.json?.event === 'updated' &&
        m.json.candidate.id === 'cand-0001' &&
        m.json.candidate.files.every((f: any) => f.verified),
    );
    expect(updated.json.candidate.files).toHaveLength(2);
    const list = (await (await api('/api/review', op)).json()) as ReviewCandidate[];
    const c = list.find((x) => x.id === 'cand-0001')!;
    expect(c).toMatchObject({
      status: 'pending',
      deviceId: 'edge-boots',
      store: 'boots',
      zone: 'north',
      subjectId: 'subj-1',
      cameraId: 'cam-1',
    });
    expect(c.files.map((f) => [f.name, f.verified])).toEqual([
      ['crop.jpg', true],
      ['frame.jpg', true],
    ]);
    const stored = fs.readFileSync(path.join(hub.dataDir, 'evidence', 'cand-0001', 'crop.jpg'));
    expect(sha(stored)).toBe((item.payload as any).crop.sha256);
    await sleep(300);
    expect(boots.events()).toHaveLength(0);
    expect(tesco.events()).toHaveLength(0);
    // A retried delivery (the edge crashed before its PUBACK) changes nothing.
    await edge.deliver(item);
    expect(
      ((await (await api('/api/review?status=all', op)).json()) as ReviewCandidate[]).filter(
        (x) => x.id === 'cand-0001',
      ),
    ).toHaveLength(1);
  });

  it('resumes a broken upload from where the hub stopped, and refuses a file whose hash does not match', async () => {
    await edge.deliver(await candidateItem(dir, 'cand-0002'));
    const clip = clipItem(dir, 'cand-0002');
    const f = clip.files[0]!;
    // The clip report declares the clip before its upload.
    await edge.client.publishAsync(
      topics.evidence('town', 'edge-boots'),
      JSON.stringify({ kind: 'clip', ...(clip.payload as object) }),
      { qos: 1 },
    );
    const url = `${hub.http}/api/edge/files/cand-0002/clip.mp4`;
    const auth = `Basic ${Buffer.from('edge-boots:edge-boots-secret-for-tests').toString('base64')}`;
    const bytes = fs.readFileSync(f.path!);
    // First 1 MiB arrives, then the connection "breaks".
    const first = await fetch(url, {
      method: 'PATCH',
      headers: {
        authorization: auth,
        'upload-offset': '0',
        'upload-length': String(bytes.length),
        'x-content-sha256': f.sha256,
      },
      body: bytes.subarray(0, 1024 * 1024),
    });
    expect(first.status).toBe(204);
    const head = await fetch(url, { method: 'HEAD', headers: { authorization: auth } });
    expect(head.headers.get('upload-offset')).toBe(String(1024 * 1024));
    // A PATCH from the wrong offset is refused with the right one.
    const wrongOffset = await fetch(url, {
      method: 'PATCH',
      headers: {
        authorization: auth,
        'upload-offset': '0',
        'upload-length': String(bytes.length),
        'x-content-sha256': f.sha256,
      },
      body: bytes.subarray(0, 10),
    });
    expect(wrongOffset.status).toBe(409);
    // The uplink resumes from the hub's offset and completes.
    expect(await uploadFile(http(), 'cand-0002', 'clip.mp4', f.path!, f.sha256, { chunkBytes: 512 * 1024 })).toEqual({
      status: 'verified',
      bytes: bytes.length,
    });
    const file = await hub.services.evidenceRepo.getFile('cand-0002', 'clip.mp4');
    expect(file).toMatchObject({ received: bytes.length, sha256: f.sha256 });
    expect(file!.verifiedAt).not.toBeNull();

    // A declared file whose bytes do not hash to the declared SHA-256 is not kept.
    const item = await candidateItem(dir, 'cand-0002b');
    await edge.client.publishAsync(
      topics.evidence('town', 'edge-boots'),
      JSON.stringify(CandidateReport.parse({ kind: 'candidate', ...(item.payload as object) })),
      { qos: 1 },
    );
    const crop = fs.readFileSync(item.files[0]!.path!);
    const tampered = Buffer.from(crop);
    tampered[tampered.length - 10] ^= 0xff;
    const liar = await fetch(`${hub.http}/api/edge/files/cand-0002b/crop.jpg`, {
      method: 'PATCH',
      headers: {
        authorization: auth,
        'upload-offset': '0',
        'upload-length': String(crop.length),
        'x-content-sha256': sha(crop),
      },
      body: tampered,
    });
    expect(liar.status).toBe(400);
    expect(((await liar.json()) as any).message).toMatch(/SHA-256 mismatch/);
    expect(fs.readdirSync(path.join(hub.dataDir, 'evidence', 'cand-0002b'))).toEqual([]);
    expect(
      (await hub.services.evidenceRepo.custodyLog('cand-0002b')).map((e) => `${e.action}:${e.name ?? ''}`),
    ).toContain('refused:crop.jpg');

    await edge.deliver(clip); // reports the clip again (harmless); the file is already verified
    const c = (await (await api('/api/review/cand-0002', op)).json()) as ReviewCandidate;
    expect(c.clip).toMatchObject({ durationSeconds: 20.1, codec: 'h264', complete: true });
    expect(c.clipState).toBe('ready');
    const log = await hub.services.evidenceRepo.custodyLog('cand-0002');
    expect(log.map((e) => `${e.action}:${e.name ?? ''}`)).toEqual(
      expect.arrayContaining([
        'reported:',
        'received:crop.jpg',
        'received:frame.jpg',
        'declared:clip.mp4',
        'received:clip.mp4',
      ]),
    );
  });

  it('lets one reviewer at a time decide: a second concurrent decision is refused', async () => {
    await edge.deliver(await candidateItem(dir, 'cand-0003'));
    const claim = await api('/api/review/cand-0003/claim', op, { method: 'POST' });
    expect(claim.status).toBe(200);
    const other = await api('/api/review/cand-0003/claim', coord, { method: 'POST' });
    expect(other.status).toBe(409);
    expect(((await other.json()) as any).message).toMatch(/operator/);
    const theirs = await api('/api/review/cand-0003/decision', coord, {
      method: 'POST',
      body: JSON.stringify({ verdict: 'confirm', reason: 'looks like him' }),
    });
    expect(theirs.status).toBe(409);
    // Two decisions racing without a claim: exactly one wins.
    await edge.deliver(await candidateItem(dir, 'cand-0004'));
    const results = await Promise.all(
      [op, coord].map((t) =>
        api('/api/review/cand-0004/decision', t, {
          method: 'POST',
          body: JSON.stringify({ verdict: 'reject', reason: 'different person' }),
        }),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
  });

  it('turns a confirmation into an alert to the zone, with the reviewer as the actor', async () => {
    const res = await api('/api/review/cand-0001/decision', op, {
      method: 'POST',
      body: JSON.stringify({ verdict: 'confirm', reason: 'same jacket and face as the enrolment photo' }),
    });
    expect(res.status).toBe(200);
    const decided = ReviewCandidate.parse(await res.json());
    expect(decided).toMatchObject({
      status: 'confirmed',
      decidedBy: 'operator',
      reason: 'same jacket and face as the enrolment photo',
    });
    const ev = await boots.waitForEvent('raised');
    expect(ev.alert.message).toContain('Razor Man');
    expect(ev.alert).toMatchObject({
      type: 'gallery-match',
      subjectId: 'subj-1',
      store: 'boots',
      raisedBy: { kind: 'user', id: 'operator' },
      id: decided.alertId,
    });
    await sleep(200);
    expect(tesco.events()).toHaveLength(0);
    expect(
      (
        await api('/api/review/cand-0001/decision', op, {
          method: 'POST',
          body: JSON.stringify({ verdict: 'reject', reason: 'changed my mind' }),
        })
      ).status,
    ).toBe(409);
  });

  it('deletes the crop, frame and clip of a rejected candidate and keeps only the verdict', async () => {
    const folder = path.join(hub.dataDir, 'evidence', 'cand-0002');
    expect(fs.readdirSync(folder).sort()).toEqual(['clip.mp4', 'crop.jpg', 'frame.jpg']);
    const res = await api('/api/review/cand-0002/decision', op, {
      method: 'POST',
      body: JSON.stringify({ verdict: 'reject', reason: 'not the subject' }),
    });
    expect(res.status).toBe(200);
    expect(fs.existsSync(folder)).toBe(false);
    const c = ReviewCandidate.parse(await res.json());
    expect(c).toMatchObject({ status: 'rejected', reason: 'not the subject' });
    expect(c.files.every((f) => f.deleted)).toBe(true);
    expect((await api('/api/review/cand-0002/files/crop.jpg', op)).status).toBe(404);
    // Late uploads for a rejected candidate are refused for good (410), so nothing comes back.
    const auth = `Basic ${Buffer.from('edge-boots:edge-boots-secret-for-tests').toString('base64')}`;
    const crop = fs.readFileSync(path.join(dir, 'cand-0002-crop.jpg'));
    const late = await fetch(`${hub.http}/api/edge/files/cand-0002/crop.jpg`, {
      method: 'PATCH',
      headers: {
        authorization: auth,
        'upload-offset': '0',
        'upload-length': String(crop.length),
        'x-content-sha256': sha(crop),
      },
      body: crop,
    });
    expect(late.status).toBe(410);
    expect(await late.json()).toMatchObject({ code: 'gone' });
    expect(fs.existsSync(folder)).toBe(false);
  });

  it('refuses a candidate for someone who is not in the active gallery', async () => {
    const n = ((await (await api('/api/review?status=all', op)).json()) as unknown[]).length;
    // The hub acknowledges and drops it (it will never take it), so the edge's spool lets it go.
    await edge.deliver(await candidateItem(dir, 'cand-ghost', 'subj-unknown'));
    expect(((await (await api('/api/review?status=all', op)).json()) as unknown[]).length).toBe(n);
    expect(fs.existsSync(path.join(hub.dataDir, 'evidence', 'cand-ghost'))).toBe(false);
  });

  it('drops pending candidates of a subject removed from the gallery, with their media', async () => {
    const gov = hub.services.governance.gov;
    const now = new Date().toISOString();
    await gov.addSubject(
      'subj-2',
      'town',
      {
        alias: 'Second',
        status: 'id-sought',
        reason: 'violence-or-threats',
        incidentIds: ['inc-1'],
        under18: false,
        vulnerable: false,
      },
      'coord',
      now,
      new Date(Date.now() + 86400_000).toISOString(),
    );
    await edge.deliver(await candidateItem(dir, 'cand-0007', 'subj-2'));
    expect(fs.existsSync(path.join(hub.dataDir, 'evidence', 'cand-0007'))).toBe(true);
    const res = await api('/api/gallery/subjects/subj-2/remove', coord, {
      method: 'POST',
      body: JSON.stringify({ reason: 'wrongly identified' }),
    });
    expect(res.status).toBe(200);
    const c = (await (await api('/api/review/cand-0007', op)).json()) as ReviewCandidate;
    expect(c).toMatchObject({ status: 'expired', reason: 'subject left the gallery' });
    expect(fs.existsSync(path.join(hub.dataDir, 'evidence', 'cand-0007'))).toBe(false);
  });

  it('expires candidates nobody reviewed in time, deleting their media', async () => {
    await edge.deliver(await candidateItem(dir, 'cand-0005'));
    const db = new Database(path.join(hub.dataDir, 'shopwatch.db'));
    db.prepare('UPDATE candidates SET received_at = ? WHERE id = ?').run(
      new Date(Date.now() - 2 * 3600_000).toISOString(),
      'cand-0005',
    );
    db.close();
    await hub.services.review.expireStale();
    const c = (await (await api('/api/review/cand-0005', op)).json()) as ReviewCandidate;
    expect(c.status).toBe('expired');
    expect(fs.existsSync(path.join(hub.dataDir, 'evidence', 'cand-0005'))).toBe(false);
  });

  it('audits every view of candidate media, and verifies files on every transfer', async () => {
    await edge.deliver(await candidateItem(dir, 'cand-0006'));
    const res = await api('/api/review/cand-0006/files/crop.jpg', op);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/jpeg');
    expect(sha(Buffer.from(await res.arrayBuffer()))).toBe(sha(fs.readFileSync(path.join(dir, 'cand-0006-crop.jpg'))));
    const entries = await hub.services.audit.list({
      scheme: 'town',
      objectKind: 'evidence',
      objectId: 'cand-0006/crop.jpg',
    });
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ actor: { kind: 'user', id: 'operator' }, action: 'view', subjectId: 'subj-1' });
    // Tamper with the stored file: the next transfer is refused and logged.
    fs.appendFileSync(path.join(hub.dataDir, 'evidence', 'cand-0006', 'frame.jpg'), 'x');
    expect((await api('/api/review/cand-0006/files/frame.jpg', op)).status).toBe(500);
    expect(
      (await hub.services.evidenceRepo.custodyLog('cand-0006')).some((e) => e.action === 'integrity_failure'),
    ).toBe(true);
    // Stores and wardens have no access to the queue.
    const member = await login(hub.http, 'boots-staff', 'boots-password');
    expect((await api('/api/review', member)).status).toBe(403);
  });
});
