import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CandidateReport, ErrorBody, ReviewCandidate, ReviewEvent, topics } from '@shopwatch/protocols';
import { uploadFile } from '../../edge-agent/src/uplink/files';
import type { SpoolItem } from '../../edge-agent/src/spool/types';
import { addSubject, candidateItem, clipItem } from './support/evidence';
import { login, startTestHub, tempDir } from '../../hub/test/support/hub';
import { jpeg, mp4, sha } from '../../hub/test/support/media';
import { TestDevice, sleep } from '../../hub/test/support/mqtt';
import { streamUpload } from '../../hub/test/support/stream-upload';

const MB = 1024 * 1024;

/** Every file under a folder with its size (what is on the hub's disk). */
function filesUnder(dir: string): { file: string; bytes: number }[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => ({ file: path.join(e.parentPath, e.name), bytes: fs.statSync(path.join(e.parentPath, e.name)).size }));
}

describe('evidence uploads: declared files only, checked by type, kept for confirmed matches', () => {
  let hub: Awaited<ReturnType<typeof startTestHub>>;
  let edge: TestDevice, control: TestDevice;
  let op: string;
  const dir = tempDir();
  const auth = `Basic ${Buffer.from('edge-boots:edge-boots-secret-for-tests').toString('base64')}`;
  const hubHttp = () => ({ baseUrl: hub.http, deviceId: 'edge-boots', secret: 'edge-boots-secret-for-tests' });
  const url = (id: string, name: string) => `${hub.http}/api/edge/files/${id}/${name}`;
  type Headers = { offset?: number; length?: number; sha256?: string };
  const uploadHeaders = (h: { offset: number; length: number; sha256: string }) => ({
    authorization: auth,
    'upload-offset': String(h.offset),
    'upload-length': String(h.length),
    'x-content-sha256': h.sha256,
  });
  const patch = (id: string, name: string, body: Buffer, h: Headers = {}) =>
    fetch(url(id, name), {
      method: 'PATCH',
      body: body as unknown as BodyInit,
      headers: uploadHeaders({ offset: h.offset ?? 0, length: h.length ?? body.length, sha256: h.sha256 ?? sha(body) }),
    });
  const api = async (p: string, init: RequestInit = {}) =>
    fetch(`${hub.http}${p}`, {
      ...init,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${op}` },
    });
  const decide = (id: string, verdict: 'confirm' | 'reject', reason: string) =>
    api(`/api/review/${id}/decision`, { method: 'POST', body: JSON.stringify({ verdict, reason }) });
  const candidate = async (id: string) => ReviewCandidate.parse(await (await api(`/api/review/${id}`)).json());
  /** Publishes a report as the edge box does (QoS 1: stored before the PUBACK). */
  const report = (body: object) => edge.publish(topics.evidence('town', 'edge-boots'), body);
  const reportCandidate = async (item: SpoolItem) =>
    report(CandidateReport.parse({ kind: 'candidate', ...(item.payload as object) }));
  const evidenceDir = () => path.join(hub.dataDir, 'evidence');

  beforeAll(async () => {
    hub = await startTestHub();
    edge = await TestDevice.connect(hub.mqttPort, 'edge-boots', 'edge-boots-secret-for-tests');
    await edge.subscribe(topics.deviceErrors('town', 'edge-boots'));
    control = await TestDevice.connect(hub.mqttPort, 'control-room', 'control-room-secret-for-tests');
    await control.subscribe(topics.reviewCandidates('town'));
    op = await login(hub.http, 'operator', 'operator-password');
    await addSubject(hub, 'subj-1');
  });
  afterAll(async () => {
    await Promise.all([edge, control].map((d) => d?.end()));
    await hub?.stop();
  });

  it('takes and verifies the clip of a candidate a reviewer confirmed before the clip arrived', async () => {
    const item = await candidateItem(dir, 'conf-0001');
    await reportCandidate(item);
    for (const f of item.files) {
      expect(await uploadFile(hubHttp(), 'conf-0001', f.name, f.path!, f.sha256)).toMatchObject({ status: 'verified' });
    }
    // The reviewer confirms at once, seconds before the post-roll ends.
    expect((await decide('conf-0001', 'confirm', 'same face and jacket')).status).toBe(200);
    const before = await candidate('conf-0001');
    expect(before).toMatchObject({ status: 'confirmed', clipState: 'arriving' });

    const clip = clipItem(dir, 'conf-0001');
    const f = clip.files[0]!;
    await report({ kind: 'clip', ...(clip.payload as object) });
    const put = await patch('conf-0001', 'clip.mp4', fs.readFileSync(f.path!));
    expect(put.status).toBe(201);
    expect(await put.json()).toMatchObject({ verified: true, sha256: f.sha256 });
    // The console is told when it lands, without polling.
    const landed = (m: { json: any }) =>
      m.json?.candidate?.id === 'conf-0001' && m.json.candidate.clipState === 'ready';
    const ev = await control.waitFor(landed);
    expect(ReviewEvent.parse(ev.json).event).toBe('updated');
    const after = await candidate('conf-0001');
    const stored = after.files.find((x) => x.name === 'clip.mp4');
    expect(stored).toMatchObject({ verified: true, type: 'video/mp4', bytes: f.bytes });
    const log = await hub.services.evidenceRepo.custodyLog('conf-0001');
    expect(log.filter((e) => e.name === 'clip.mp4').map((e) => e.action)).toEqual(['declared', 'received']);
    const media = await api('/api/review/conf-0001/files/clip.mp4');
    expect(media.status).toBe(200);
    expect(media.headers.get('content-type')).toBe('video/mp4');
    expect(media.headers.get('x-content-type-options')).toBe('nosniff');
    expect(sha(Buffer.from(await media.arrayBuffer()))).toBe(f.sha256);
  });

  it('refuses uploads for a rejected candidate with 410 Gone and keeps nothing', async () => {
    const item = await candidateItem(dir, 'rej-0001');
    await reportCandidate(item);
    expect((await decide('rej-0001', 'reject', 'another man')).status).toBe(200);
    const crop = fs.readFileSync(item.files[0]!.path!);
    const res = await patch('rej-0001', 'crop.jpg', crop);
    expect(res.status).toBe(410);
    expect(ErrorBody.parse(await res.json()).code).toBe('gone');
    const head = await fetch(url('rej-0001', 'crop.jpg'), { method: 'HEAD', headers: { authorization: auth } });
    expect(head.status).toBe(410);
    expect(fs.existsSync(path.join(evidenceDir(), 'rej-0001'))).toBe(false);
  });

  it('refuses ten 100 MB undeclared files from a hostile edge box unread; the disk holds none of it', async () => {
    const item = await candidateItem(dir, 'host-0001');
    await reportCandidate(item);
    const before = filesUnder(evidenceDir()).reduce((n, f) => n + f.bytes, 0);
    const names = Array.from({ length: 10 }, (_, i) => `dump-${i}.bin`);
    const answers = [];
    for (const name of names) {
      answers.push(
        await streamUpload(url('host-0001', name), {
          totalBytes: 100 * MB,
          headers: uploadHeaders({ offset: 0, length: 100 * MB, sha256: 'a'.repeat(64) }),
        }),
      );
    }
    const sent = answers.map((a) => (a.sentBeforeAnswer / MB).toFixed(1));
    console.info(`undeclared 100 MB uploads answered after ${sent.join(', ')} MB sent`);
    for (const a of answers) {
      expect(a.status).toBe(409);
      expect(a.body.message).toMatch(/not declared/);
      // Answered long before 100 MB went out: the body was never read.
      expect(a.sentBeforeAnswer).toBeLessThan(16 * MB);
    }
    // A declared name with a size other than the declared one is refused the same way.
    const big = await streamUpload(url('host-0001', 'crop.jpg'), {
      totalBytes: 100 * MB,
      headers: uploadHeaders({ offset: 0, length: 100 * MB, sha256: item.files[0]!.sha256 }),
    });
    expect(big.status).toBe(409);
    expect(big.body.message).toMatch(/differs from the declared/);
    const after = filesUnder(evidenceDir());
    expect(after.filter((f) => /dump-|\.part$/.test(f.file))).toEqual([]);
    expect(after.reduce((n, f) => n + f.bytes, 0)).toBe(before);
    // A second clip under another name is one more file than declared: refused.
    const clip = clipItem(dir, 'host-0001');
    await report({ kind: 'clip', ...(clip.payload as object) });
    await report({ kind: 'clip', ...(clip.payload as object), file: 'clip2.mp4' });
    const err = await edge.waitFor((m) => m.topic.endsWith('/errors') && /one clip per/.test(m.json?.message));
    expect(err.json.code).toBe('conflict');
    expect((await patch('host-0001', 'clip2.mp4', fs.readFileSync(clip.files[0]!.path!))).status).toBe(409);
  });

  it('does not let a wrong first Upload-Length block a file: the declared size wins, nothing is recorded', async () => {
    const item = await candidateItem(dir, 'len-0001');
    await reportCandidate(item);
    const frame = fs.readFileSync(item.files[1]!.path!);
    const first = frame.subarray(0, 1000);
    const wrong = await patch('len-0001', 'frame.jpg', first, { length: frame.length + 5, sha256: sha(frame) });
    expect(wrong.status).toBe(409);
    const record = await hub.services.evidenceRepo.getFile('len-0001', 'frame.jpg');
    expect(record).toMatchObject({ bytes: frame.length, received: 0, verifiedAt: null });
    expect(fs.existsSync(path.join(evidenceDir(), 'len-0001', 'frame.jpg.part'))).toBe(false);
    const right = await patch('len-0001', 'frame.jpg', frame);
    expect(right.status).toBe(201);
  });

  it('answers a PATCH racing another of the same file with 503 (retry), resumes once the first dies', async () => {
    const item = await candidateItem(dir, 'race-0001');
    await reportCandidate(item);
    const frame = fs.readFileSync(item.files[1]!.path!);
    // The first PATCH sends part of the frame and then hangs, as a connection that died silently.
    const first = http.request(url('race-0001', 'frame.jpg'), {
      method: 'PATCH',
      headers: uploadHeaders({ offset: 0, length: frame.length, sha256: sha(frame) }),
    });
    first.on('error', () => undefined);
    first.write(frame.subarray(0, 64 * 1024));
    const head = () => fetch(url('race-0001', 'frame.jpg'), { method: 'HEAD', headers: { authorization: auth } });
    const held = async () => Number((await head()).headers.get('upload-offset'));
    await expect.poll(held, { timeout: 5000 }).toBeGreaterThan(0);
    const second = await patch('race-0001', 'frame.jpg', frame);
    expect(second.status).toBe(503);
    expect(await second.json()).toMatchObject({ code: 'unavailable' });
    first.destroy();
    // Once the hub sees the first connection gone, the edge box resumes from what is held.
    await expect
      .poll(
        async () => {
          const offset = await held();
          const rest = frame.subarray(offset);
          return (await patch('race-0001', 'frame.jpg', rest, { offset, length: frame.length, sha256: sha(frame) }))
            .status;
        },
        { timeout: 5000 },
      )
      .toBe(201);
  });

  it('refuses a picture that is not a JPEG and a clip that is not H.264 MP4, deleting what arrived', async () => {
    // A PNG declared as the crop: right size and hash, wrong type.
    const png = await (await import('sharp'))
      .default(await jpeg(64, 64))
      .png()
      .toBuffer();
    const item = await candidateItem(dir, 'type-0001');
    const p = item.payload as any;
    p.crop = { ...p.crop, sha256: sha(png), bytes: png.length };
    await reportCandidate(item);
    const res = await patch('type-0001', 'crop.jpg', png);
    expect(res.status).toBe(415);
    const body = await res.json();
    expect(body).toMatchObject({ code: 'unsupported_media_type', message: expect.stringMatching(/image\/jpeg.*PNG/) });
    expect(fs.readdirSync(path.join(evidenceDir(), 'type-0001'))).toEqual([]);

    // An MPEG-4 Part 2 clip in an MP4: the container is right, the codec is not.
    const mpeg4 = mp4(dir, { codec: 'mpeg4' });
    const captureAt = new Date().toISOString();
    const declared = { file: 'clip.mp4', sha256: sha(mpeg4), bytes: mpeg4.length };
    await report({ kind: 'clip', candidateId: 'type-0001', cameraId: 'cam-1', captureAt, ...declared });
    await sleep(100);
    const half = Math.floor(mpeg4.length / 2);
    const whole = { length: mpeg4.length, sha256: sha(mpeg4) };
    expect((await patch('type-0001', 'clip.mp4', mpeg4.subarray(0, half), whole)).status).toBe(204);
    const rest = await patch('type-0001', 'clip.mp4', mpeg4.subarray(half), { ...whole, offset: half });
    expect(rest.status).toBe(415);
    expect(((await rest.json()) as any).message).toMatch(/not H\.264/);
    expect(fs.readdirSync(path.join(evidenceDir(), 'type-0001'))).toEqual([]);
    const log = await hub.services.evidenceRepo.custodyLog('type-0001');
    expect(log.filter((e) => e.action === 'refused').map((e) => e.name)).toEqual(['crop.jpg', 'clip.mp4']);
  });

  it('holds an edge box to its quota of pending evidence and to an upload rate, with clear codes', async () => {
    const limits = { ...hub.services.uploads.limits };
    try {
      const item = await candidateItem(dir, 'quota-001');
      await reportCandidate(item);
      const held = await hub.services.evidenceRepo.bytesHeldPending('edge-boots');
      hub.services.uploads.limits.deviceQuotaBytes = held + 1000;
      const frame = fs.readFileSync(item.files[1]!.path!);
      const res = await patch('quota-001', 'frame.jpg', frame);
      expect(res.status).toBe(507);
      expect(await res.json()).toMatchObject({ code: 'quota_exceeded' });
      expect(fs.existsSync(path.join(evidenceDir(), 'quota-001', 'frame.jpg.part'))).toBe(false);
      hub.services.uploads.limits.deviceQuotaBytes = limits.deviceQuotaBytes;

      hub.services.uploads.limits.bytesPerMinute = 1;
      const crop = fs.readFileSync(item.files[0]!.path!);
      // The window may still be open with bytes from earlier tests: one of two is refused at the latest.
      const first = await patch('quota-001', 'crop.jpg', crop);
      const second = first.status === 429 ? first : await patch('quota-001', 'frame.jpg', frame);
      expect(second.status).toBe(429);
      expect(second.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(await second.json()).toMatchObject({ code: 'rate_limited' });
    } finally {
      Object.assign(hub.services.uploads.limits, limits);
    }
  });

  it('lists the queue in one order for every status, with firstSeenAt and the frame size of the box', async () => {
    const a = await candidateItem(dir, 'order-001');
    const firstSeen = new Date(Date.now() - 7000).toISOString();
    (a.payload as any).firstSeenAt = firstSeen;
    await reportCandidate(a);
    await sleep(5);
    await reportCandidate(await candidateItem(dir, 'order-002'));
    const ids = async (q: string) =>
      ((await (await api(`/api/review${q}`)).json()) as ReviewCandidate[])
        .map((c) => c.id)
        .filter((id) => id.startsWith('order-'));
    // Oldest first for every status (today's hub gave `all` newest first), newest first on request.
    expect(await ids('')).toEqual(['order-001', 'order-002']);
    expect(await ids('?status=all')).toEqual(['order-001', 'order-002']);
    expect(await ids('?status=pending&order=newest')).toEqual(['order-002', 'order-001']);
    expect(await ids('?status=all&order=newest')).toEqual(['order-002', 'order-001']);
    expect((await api('/api/review?order=sideways')).status).toBe(400);
    const c = await candidate('order-001');
    expect(c).toMatchObject({ firstSeenAt: firstSeen, frameWidth: 768, frameHeight: 576 });
    expect(c.box).toEqual({ x: 100, y: 80, w: 60, h: 60 });
  });
});
