import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import type { Subject } from '@shopwatch/protocols';
import { createLogger } from '../../../edge-agent/src/log';
import type { SpoolItem } from '../../../edge-agent/src/spool/types';
import { HubUplink } from '../../../edge-agent/src/uplink/mqtt-uplink';
import { enrolmentFaceRegion, enrolmentPhoto, sameFaceDetect } from '../../../models/test/fixtures';
import { mp4 } from '../../../hub/test/support/media';

const sha = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');

async function call<T>(http: string, token: string, method: string, p: string, body?: unknown): Promise<T> {
  const isBuf = Buffer.isBuffer(body);
  const res = await fetch(`${http}${p}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': isBuf ? 'image/jpeg' : 'application/json' },
    body: body === undefined ? undefined : isBuf ? (body as unknown as BodyInit) : JSON.stringify(body),
  });
  if (res.status >= 300) throw new Error(`${method} ${p}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/**
 * Enrols a gallery subject the way a coordinator does: an incident with a statement, the
 * subject, then a real photo (the hub checks it holds exactly one usable face).
 */
export async function enrolSubject(http: string, coordToken: string, alias: string): Promise<Subject> {
  const inc = await call<{ id: string }>(http, coordToken, 'POST', '/api/incidents', {
    type: 'theft',
    occurredAt: new Date(Date.now() - 86400_000).toISOString(),
    store: 'boots',
    description: 'Took razor blades from the aisle and left without paying',
    statement: 'I saw the man put six packs of razor blades in his jacket and walk out past the tills.',
  });
  const subject = await call<Subject>(http, coordToken, 'POST', '/api/gallery/subjects', {
    alias,
    status: 'known',
    reason: 'repeat-offending',
    incidentIds: [inc.id],
    under18: false,
    vulnerable: false,
  });
  const r = enrolmentFaceRegion;
  const photo = await sharp(enrolmentPhoto)
    .extract({ left: r.x, top: r.y, width: r.w, height: r.h })
    .resize(340)
    .jpeg({ quality: 92 })
    .toBuffer();
  await call(
    http,
    coordToken,
    'POST',
    `/api/gallery/subjects/${subject.id}/photos?source=${encodeURIComponent('CCTV still, test')}`,
    photo,
  );
  return call<Subject>(http, coordToken, 'GET', `/api/gallery/subjects/${subject.id}`);
}

/**
 * Sends a candidate match from edge box `edge-boots` through the edge agent's own uplink
 * (MQTT report + resumable, hash-checked HTTP upload), with a real face crop of the same man
 * taken from a different photo.
 */
export async function deliverCandidate(opts: {
  mqttPort: number;
  http: string;
  dir: string;
  candidateId: string;
  subjectId: string;
  score?: number;
}) {
  const crop = await sharp(sameFaceDetect)
    .extract({ left: 0, top: 345, width: 160, height: 155 })
    .resize(240)
    .jpeg({ quality: 90 })
    .toBuffer();
  const frame = await sharp(sameFaceDetect).resize(768).jpeg({ quality: 80 }).toBuffer();
  const put = (name: string, b: Buffer) => {
    const p = path.join(opts.dir, `${opts.candidateId}-${name}`);
    fs.writeFileSync(p, b);
    return { name, path: p, bytes: b.length, sha256: sha(b), uploadedAt: null, evictedAt: null };
  };
  const now = new Date().toISOString();
  const item: SpoolItem = {
    seq: 1,
    id: opts.candidateId,
    kind: 'candidate',
    createdAt: Date.now(),
    deliveredAt: null,
    payload: {
      candidateId: opts.candidateId,
      cameraId: 'cam-1',
      subjectId: opts.subjectId,
      templateVersion: 1,
      score: opts.score ?? 0.81,
      distance: 0.41,
      frames: 5,
      firstSeenAt: now,
      capturedAt: now,
      clockOffsetMs: -12,
      box: { x: 100, y: 80, w: 60, h: 60 },
      crop: { file: 'crop.jpg', sha256: sha(crop), bytes: crop.length, box: { x: 85, y: 65, w: 90, h: 90 } },
      frame: { file: 'frame.jpg', sha256: sha(frame), bytes: frame.length, width: 768, height: 576 },
    },
    files: [put('crop.jpg', crop), put('frame.jpg', frame)],
  };
  await deliver(opts, item);
}

/** Delivers a candidate's clip (a real H.264 MP4) the way the edge agent does: declared, then uploaded. */
export async function deliverClip(opts: { mqttPort: number; http: string; dir: string; candidateId: string }) {
  const clip = mp4(opts.dir);
  const file = path.join(opts.dir, `${opts.candidateId}-clip.mp4`);
  fs.writeFileSync(file, clip);
  const now = new Date().toISOString();
  await deliver(opts, {
    seq: 2,
    id: `${opts.candidateId}/clip`,
    kind: 'clip',
    createdAt: Date.now(),
    deliveredAt: null,
    payload: {
      candidateId: opts.candidateId,
      cameraId: 'cam-1',
      captureAt: now,
      file: 'clip.mp4',
      sha256: sha(clip),
      bytes: clip.length,
      durationSeconds: 2,
      codec: 'h264',
      complete: true,
    },
    files: [{ name: 'clip.mp4', path: file, bytes: clip.length, sha256: sha(clip), uploadedAt: null, evictedAt: null }],
  });
}

async function deliver(opts: { mqttPort: number; http: string }, item: SpoolItem) {
  const uplink = new HubUplink({
    mqttUrl: `mqtt://127.0.0.1:${opts.mqttPort}`,
    scheme: 'town',
    log: createLogger('test:edge'),
    http: { baseUrl: opts.http, deviceId: 'edge-boots', secret: 'edge-boots-secret-for-tests' },
  });
  try {
    await new Promise((r) => uplink.client.once('connect', r));
    await uplink.deliver(item);
  } finally {
    await uplink.close();
  }
}
