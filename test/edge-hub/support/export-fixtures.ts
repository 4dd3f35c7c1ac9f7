import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { ReviewCandidate } from '@shopwatch/protocols';
import { createLogger } from '../../../edge-agent/src/log';
import type { SpoolItem } from '../../../edge-agent/src/spool/types';
import { HubUplink } from '../../../edge-agent/src/uplink/mqtt-uplink';
import type { RunningHub } from '../../../hub/src/hub';
import { login } from '../../../hub/test/support/hub';

const exec = promisify(execFile);
export const ROOT = path.resolve(import.meta.dirname, '../../..');
export const sha = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');

/** Runs a program; resolves with its exit code and output whatever the code (no throw on 1). */
export function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    const o = { cwd: opts.cwd ?? ROOT, env: opts.env ?? process.env, maxBuffer: 16 << 20, timeout: 120_000 };
    execFile(cmd, args, o, (err, stdout, stderr) => {
      const exit = (err as { code?: unknown } | null)?.code;
      resolve({ code: err ? (typeof exit === 'number' ? exit : 1) : 0, stdout, stderr });
    });
  });
}

/**
 * The hub's command line on the test hub's data folder, as a separate process: `npm run hub --
 * ARGS` when `viaNpm` (the contract's spelling), else the same script run by node directly,
 * which starts faster on a busy machine.
 */
export function hubCli(dataDir: string, args: string[], viaNpm = false) {
  const env: NodeJS.ProcessEnv = { ...process.env, SHOPWATCH_DATA_DIR: dataDir, SHOPWATCH_LOG_LEVEL: 'error' };
  delete env.SHOPWATCH_SEED;
  if (viaNpm) return run('npm', ['run', '--silent', 'hub', '--', ...args], { env });
  return run(process.execPath, ['--import', 'tsx', path.join(ROOT, 'hub/src/main.ts'), ...args], { env });
}

/** A real H.264 MP4 (what an edge box cuts by stream copy) and two real JPEG stills, made by ffmpeg. */
export async function makeMedia(dir: string, name: string) {
  const clip = path.join(dir, `${name}-clip.mp4`);
  const crop = path.join(dir, `${name}-crop.jpg`);
  const frame = path.join(dir, `${name}-frame.jpg`);
  await exec('ffmpeg', [
    '-v',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    'testsrc=duration=4:size=320x240:rate=10',
    '-c:v',
    'libx264',
    '-pix_fmt',
    'yuv420p',
    '-g',
    '10',
    '-f',
    'mp4',
    clip,
  ]);
  await exec('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=96x96', '-frames:v', '1', crop]);
  await exec('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=320x240', '-frames:v', '1', frame]);
  return { clip, crop, frame };
}

const fileOf = (name: string, p: string) => {
  const data = fs.readFileSync(p);
  return { name, path: p, bytes: data.length, sha256: sha(data), uploadedAt: null, evictedAt: null };
};

/** The spool items an edge box delivers for one match: the candidate with its stills, then the clip. */
type Media = { clip: string; crop: string; frame: string };
export function spoolItems(candidateId: string, media: Media, subjectId = 'subj-1') {
  const now = new Date().toISOString();
  const crop = fileOf('crop.jpg', media.crop);
  const frame = fileOf('frame.jpg', media.frame);
  const clip = fileOf('clip.mp4', media.clip);
  const candidate: SpoolItem = {
    seq: 1,
    id: candidateId,
    kind: 'candidate',
    createdAt: Date.now(),
    deliveredAt: null,
    payload: {
      candidateId,
      cameraId: 'cam-1',
      subjectId,
      templateVersion: 1,
      score: 0.81,
      distance: 0.38,
      frames: 5,
      firstSeenAt: now,
      capturedAt: now,
      clockOffsetMs: 1250,
      box: { x: 100, y: 80, w: 60, h: 60 },
      crop: { file: 'crop.jpg', sha256: crop.sha256, bytes: crop.bytes, box: { x: 85, y: 65, w: 90, h: 90 } },
      frame: { file: 'frame.jpg', sha256: frame.sha256, bytes: frame.bytes, width: 320, height: 240 },
    },
    files: [crop, frame],
  };
  const clipItem: SpoolItem = {
    seq: 2,
    id: `${candidateId}/clip`,
    kind: 'clip',
    createdAt: Date.now(),
    deliveredAt: null,
    payload: {
      candidateId,
      cameraId: 'cam-1',
      captureAt: now,
      file: 'clip.mp4',
      sha256: clip.sha256,
      bytes: clip.bytes,
      durationSeconds: 4,
      codec: 'h264',
      width: 320,
      height: 240,
      complete: true,
      segments: 2,
    },
    files: [clip],
  };
  /** What an edge box reports when it could not cut a clip (the camera dropped). */
  const noClip: SpoolItem = {
    seq: 2,
    id: `${candidateId}/clip`,
    kind: 'clip',
    createdAt: Date.now(),
    deliveredAt: null,
    payload: {
      candidateId,
      cameraId: 'cam-1',
      captureAt: now,
      error: 'camera-offline',
      message: 'the camera stream dropped',
    },
    files: [],
  };
  return { candidate, clip: clipItem, noClip };
}

/** Unzips with Info-ZIP's `unzip` (a reader that is not ours) into a new folder. */
export async function unzip(zipFile: string, into: string) {
  fs.mkdirSync(into, { recursive: true });
  const r = await run('unzip', ['-q', zipFile, '-d', into]);
  if (r.code !== 0) throw new Error(`unzip failed: ${r.stderr}`);
  return into;
}

/** Re-packs a bag folder with Info-ZIP's `zip`, as someone who altered a file would. */
export async function rezip(parent: string, bagName: string, zipFile: string) {
  fs.rmSync(zipFile, { force: true });
  const r = await run('zip', ['-q', '-r', '-X', zipFile, bagName], { cwd: parent });
  if (r.code !== 0) throw new Error(`zip failed: ${r.stderr}`);
}

type TestHub = { http: string; mqttPort: number; services: RunningHub['services'] };

/**
 * The evidence every export test starts from, made through the real paths: an edge uplink
 * (MQTT report, resumable HTTP upload with the hub's hash check) and a reviewer's decision
 * over the HTTP API. case-0001: confirmed with clip and stills; case-0002: confirmed, the
 * camera dropped so no clip; case-0003: rejected; case-0004: pending.
 */
export async function evidenceCases(hub: TestHub, dir: string) {
  const http = { baseUrl: hub.http, deviceId: 'edge-boots', secret: 'edge-boots-secret-for-tests' };
  const log = createLogger('test:edge');
  const mqttUrl = `mqtt://127.0.0.1:${hub.mqttPort}`;
  const edge = new HubUplink({ mqttUrl, http, scheme: 'town', log, onGalleryVersion: () => {} });
  await new Promise((r) => edge.client.once('connect', r));
  const op = await login(hub.http, 'operator', 'operator-password');
  const gov = hub.services.governance.gov;
  const now = new Date().toISOString();
  const incident = { type: 'theft' as const, occurredAt: now, description: 'razors', statement: 'Seen taking razors.' };
  await gov.addIncident('inc-1', 'town', 'boots', incident, 'coord', now);
  const subject = {
    alias: 'Razor Man',
    status: 'known' as const,
    reason: 'repeat-offending' as const,
    incidentIds: ['inc-1'],
  };
  const until = new Date(Date.now() + 86400_000).toISOString();
  await gov.addSubject('subj-1', 'town', { ...subject, under18: false, vulnerable: false }, 'coord', now, until);
  // A second subject, so case-0002 is a review case (and an alert) of its own: sightings of one
  // subject at one store are grouped into one case.
  const other = { ...subject, alias: 'Coat Man', under18: false, vulnerable: false };
  await gov.addSubject('subj-2', 'town', other, 'coord', now, until);
  const decide = async (id: string, verdict: 'confirm' | 'reject') => {
    const res = await fetch(`${hub.http}/api/review/${id}/decision`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${op}` },
      body: JSON.stringify({ verdict, reason: `${verdict}: same coat and face` }),
    });
    if (res.status !== 200) throw new Error(`decision on ${id}: ${res.status} ${await res.text()}`);
    return (await res.json()) as ReviewCandidate;
  };
  const media = await makeMedia(dir, 'a');
  const full = spoolItems('case-0001', media);
  await edge.deliver(full.candidate);
  await edge.deliver(full.clip);
  const confirmed = await decide('case-0001', 'confirm');
  const stills = spoolItems('case-0002', media, 'subj-2');
  await edge.deliver(stills.candidate);
  await edge.deliver(stills.noClip);
  await decide('case-0002', 'confirm');
  await edge.deliver(spoolItems('case-0003', media).candidate);
  await decide('case-0003', 'reject');
  await edge.deliver(spoolItems('case-0004', media).candidate); // left pending
  return { edge, op, media, alertId: confirmed.alertId! };
}
