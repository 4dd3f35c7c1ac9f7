import { mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeImage, loadVision, type Vision } from '@shopwatch/models';
import { encodeDescriptor } from '@shopwatch/protocols';
import { EvidenceRecorder } from '../../src/evidence/recorder';
import { SegmentRing } from '../../src/evidence/segment-ring';
import { GalleryStore } from '../../src/gallery/store';
import { createLogger } from '../../src/log';
import { FaceMatcher } from '../../src/matching/matcher';
import type { CandidateRequest } from '../../src/ports';
import { MemorySpool } from '../../src/spool/memory-spool';
import { decodeFrame } from '../support/frames';
import { facePhoto, faceVideo } from '../../../scripts/demo/media';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'edge-reserve-'));
  dirs.push(d);
  return d;
};
afterAll(() =>
  dirs.forEach((d) => {
    rmSync(d, { recursive: true, force: true });
  }),
);

describe('the pre-roll of a match still forming is kept until its candidate holds its clip', () => {
  let vision: Vision;
  beforeAll(async () => {
    vision = await loadVision();
  });
  afterAll(() => vision?.close());

  it('reserves footage from the first matching frame and releases it once the candidate is submitted', async () => {
    const photo = await decodeImage(await facePhoto());
    const [f] = await vision.detectFaces(photo.rgb, photo.width, photo.height);
    const s = await vision.describeFace(vision.alignFace(photo.rgb, photo.width, photo.height, f!));
    const gallery = new GalleryStore(tempDir());
    const t0 = Date.now();
    const expiresAt = new Date(t0 + 86_400_000).toISOString();
    const template = { subjectId: 'S', templateId: 't', version: 1, descriptor: encodeDescriptor(s), expiresAt };
    gallery.apply({ scheme: 'town', version: 1, templates: [template] });
    const events: string[] = [];
    const submitted: CandidateRequest[] = [];
    const matcher = new FaceMatcher({
      vision,
      gallery,
      log: createLogger('test:matcher'),
      threshold: vision.matchThreshold,
      frames: 3,
      windowSeconds: 3,
      cooldownSeconds: 60,
      clockOffsetMs: () => 0,
      sink: {
        submit: async (r) => {
          events.push('submit');
          submitted.push(r);
        },
        reserve: (cameraId, fromMs) => {
          events.push(`reserve ${cameraId} +${fromMs - t0}`);
          return () => events.push(`release +${fromMs - t0}`);
        },
      },
    });
    const video = await faceVideo();
    for (const [i, sec] of [4, 4.4, 4.8].entries()) {
      matcher.push({ ...(await decodeFrame(video, sec, 768, 576, 'cam-1')), capturedAt: t0 + i * 400 });
      await matcher.idle();
      if (i === 0) expect(events).toEqual(['reserve cam-1 +0']); // at the first matching frame
    }
    await new Promise((r) => setTimeout(r, 50));
    expect(submitted).toHaveLength(1);
    expect(events).toEqual(['reserve cam-1 +0', 'submit', 'release +0']);

    // A match that never reaches K frames: its reservation goes when the track goes quiet.
    events.length = 0;
    matcher.push({ ...(await decodeFrame(video, 5.2, 768, 576, 'cam-2')), capturedAt: t0 + 10_000 });
    await matcher.idle();
    expect(events).toEqual(['reserve cam-2 +10000']);
    const empty = {
      cameraId: 'cam-2',
      rgb: Buffer.alloc(768 * 576 * 3, 90),
      width: 768,
      height: 576,
      capturedAt: t0 + 14_000,
    };
    matcher.push(empty);
    await matcher.idle();
    expect(events).toEqual(['reserve cam-2 +10000', 'release +10000']);
  }, 60_000);

  it('keeps reserved segments past the rolling window, and lets them go when released', async () => {
    const now = 1_800_000_000_000;
    const dir = tempDir();
    const names = ['aa-000000.ts', 'aa-000001.ts', 'aa-000002.ts', 'aa-000003.ts'];
    for (const [name, endAgo] of names.map((n, i) => [n, [9, 8, 7, 1][i]!] as const)) {
      writeFileSync(join(dir, name), 'ts');
      utimesSync(join(dir, name), (now - endAgo * 1000) / 1000, (now - endAgo * 1000) / 1000);
    }
    writeFileSync(join(dir, 'aa.csv'), names.map((n) => `${n},0,1\n`).join(''));
    const ring = new SegmentRing({ dir, segmentSeconds: 1, keepSeconds: 4, now: () => now });
    const recorder = new EvidenceRecorder({
      spool: new MemorySpool({ quotaBytes: 1e6 }),
      ring: () => ring,
      workDir: tempDir(),
      preRollSeconds: 2,
      postRollSeconds: 2,
      segmentSeconds: 1,
    });
    // First matching frame 6.5 s ago: its pre-roll starts 8.5 s ago.
    const release = recorder.reserve('cam', now - 6_500);
    ring.prune();
    expect(
      readdirSync(dir)
        .filter((f) => f.endsWith('.ts'))
        .sort(),
    ).toEqual(names.slice(1));
    release();
    ring.prune();
    expect(readdirSync(dir).filter((f) => f.endsWith('.ts'))).toEqual(['aa-000003.ts']);
  });
});
