import fs from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeImage, loadVision, type Vision } from '@shopwatch/models';
import { encodeDescriptor, type GallerySnapshot } from '@shopwatch/protocols';
import { GalleryStore } from '../../src/gallery/store';
import { createLogger } from '../../src/log';
import { FaceMatcher } from '../../src/matching/matcher';
import type { CandidateRequest } from '../../src/ports';
import { decodeFrame } from '../support/frames';
import { FACE_OVERLAY, facePhoto, faceVideo } from '../../../scripts/demo/media';

const later = new Date(Date.now() + 86_400_000).toISOString();
const template = (subjectId: string, templateId: string, version: number, d: Float32Array) => ({
  subjectId,
  templateId,
  version,
  descriptor: encodeDescriptor(d),
  expiresAt: later,
});

describe('a bad gallery template is skipped and reported; matching goes on for the others (issue 17.6)', () => {
  let vision: Vision;
  let dir: string;
  let good: Float32Array;
  beforeAll(async () => {
    vision = await loadVision();
    dir = fs.mkdtempSync(path.join(tmpdir(), 'edge-gallery-'));
    const photo = await decodeImage(await facePhoto());
    const [face] = await vision.detectFaces(photo.rgb, photo.width, photo.height);
    good = await vision.describeFace(vision.alignFace(photo.rgb, photo.width, photo.height, face!));
  });
  afterAll(async () => {
    await vision?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('matches the good subject in real camera frames although another template has the wrong length', async () => {
    const snapshot: GallerySnapshot = {
      scheme: 'town',
      version: 7,
      templates: [
        // Listed first: a bad template must not stop the loop before the good one.
        template('broken', 't-bad', 6, new Float32Array(100).fill(0.1)),
        template('nan', 't-nan', 6, new Float32Array(128).fill(Number.NaN)),
        template('razor-man', 't-good', 7, good),
      ],
    };
    // The gallery file as the agent keeps it on disk, loaded as at start-up.
    fs.mkdirSync(path.join(dir, 'gallery'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'gallery', 'gallery.json'), JSON.stringify(snapshot));
    const store = new GalleryStore(path.join(dir, 'gallery'));
    expect(store.all().map((t) => t.subjectId)).toEqual(['razor-man']);
    expect(store.skipped).toEqual([
      { subjectId: 'broken', templateId: 't-bad', problem: 'descriptor has 100 values, expected 128' },
      { subjectId: 'nan', templateId: 't-nan', problem: 'descriptor holds a value that is not a finite number' },
    ]);
    // The same when the hub sends it.
    expect(store.apply(snapshot)).toEqual({ version: 7, templates: 1, skipped: 2 });

    const submitted: CandidateRequest[] = [];
    const matcher = new FaceMatcher({
      vision,
      gallery: store,
      sink: { submit: async (r) => void submitted.push(r) },
      log: createLogger('test:matcher'),
      threshold: vision.matchThreshold,
      frames: 3,
      windowSeconds: 3,
      clockOffsetMs: () => 0,
    });
    const video = await faceVideo();
    const t0 = Date.now();
    for (const [i, s] of [4, 4.4, 4.8, 5.2].entries()) {
      const frame = await decodeFrame(video, s, 768, 576, 'cam-1');
      frame.capturedAt = t0 + i * 400;
      matcher.push(frame);
      await matcher.idle();
    }
    expect(matcher.stats.framesAnalysed).toBe(4);
    expect(submitted).toHaveLength(1);
    expect(submitted[0]!.payload).toMatchObject({ subjectId: 'razor-man', templateVersion: 7 });
    const { x, y, size } = FACE_OVERLAY;
    expect(submitted[0]!.box.x).toBeGreaterThan(x - size / 2);
    expect(submitted[0]!.box.x).toBeLessThan(x + size);
    expect(submitted[0]!.box.y).toBeLessThan(y + size);
  }, 60_000);
});
