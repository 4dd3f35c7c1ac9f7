import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bandThresholds, decodeImage, loadVision, thresholdForFace, type Vision } from '@shopwatch/models';
import { encodeDescriptor } from '@shopwatch/protocols';
import { GalleryStore } from '../../src/gallery/store';
import { createLogger } from '../../src/log';
import { FaceMatcher, type MatcherOptions } from '../../src/matching/matcher';
import type { CandidateRequest } from '../../src/ports';
import { decodeFrame } from '../support/frames';
import { facePhoto, faceVideo } from '../../../scripts/demo/media';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('per face-size band thresholds in the matcher (issue 15)', () => {
  let vision: Vision;
  let gallery: GalleryStore;
  beforeAll(async () => {
    vision = await loadVision();
    const photo = await decodeImage(await facePhoto());
    const [f] = await vision.detectFaces(photo.rgb, photo.width, photo.height);
    const d = await vision.describeFace(vision.alignFace(photo.rgb, photo.width, photo.height, f!));
    const dir = mkdtempSync(join(tmpdir(), 'edge-bands-'));
    dirs.push(dir);
    gallery = new GalleryStore(dir);
    const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
    const template = { subjectId: 'S', templateId: 't', version: 1, descriptor: encodeDescriptor(d), expiresAt };
    gallery.apply({ scheme: 'town', version: 1, templates: [template] });
  });
  afterAll(() => vision?.close());

  /** Three frames of the subject's face, the frame scaled to `width` (768 = as recorded). */
  async function run(width: number, opts: Partial<MatcherOptions>): Promise<CandidateRequest[]> {
    const submitted: CandidateRequest[] = [];
    const matcher = new FaceMatcher({
      vision,
      gallery,
      log: createLogger('test:bands'),
      threshold: vision.matchThreshold,
      frames: 3,
      windowSeconds: 3,
      clockOffsetMs: () => 0,
      motion: false,
      sink: { submit: async (r) => void submitted.push(r) },
      ...opts,
    });
    const video = await faceVideo();
    const height = Math.round((width * 576) / 768);
    const t0 = Date.now();
    for (const [i, sec] of [4, 4.4, 4.8].entries()) {
      matcher.push({ ...(await decodeFrame(video, sec, width, height)), capturedAt: t0 + i * 400 });
      await matcher.idle();
    }
    return submitted;
  }

  it("judges a track by the threshold of its faces' width, not the fixed one", async () => {
    const widths: number[] = [];
    // Fixed threshold accepts anything; the band says no: the band decides.
    const refused = await run(384, { threshold: 2, thresholdFor: (px) => (widths.push(px), 0) });
    expect(refused).toHaveLength(0);
    expect(widths.length).toBeGreaterThanOrEqual(3);
    // The band is looked up with the width of the face in the analysed frame (~34 px here).
    const frame = await decodeFrame(await faceVideo(), 4.4, 384, 288);
    const [face] = await vision.detectFaces(frame.rgb, frame.width, frame.height);
    expect(face!.box.w).toBeLessThan(45);
    for (const w of widths) expect(Math.abs(w - face!.box.w)).toBeLessThan(face!.box.w * 0.2);
    const accepted = await run(384, { threshold: 0, thresholdFor: () => 2 });
    expect(accepted).toHaveLength(1);
  }, 90_000);

  it("uses the manifest's bands: a small face gets a wider threshold than a large one, never under the clean", () => {
    const clean = vision.matchThreshold;
    const at = thresholdForFace(bandThresholds(), clean);
    const bands = bandThresholds();
    expect(bands.map((b) => b.facePx)).toEqual([30, 40, 60]);
    for (const b of bands) expect(at(b.facePx)).toBeCloseTo(Math.max(clean, b.threshold), 6);
    expect(at(20)).toBe(at(30)); // narrower than any band: trusted no more than 30 px
    expect(at(50)).toBeLessThan(at(40));
    expect(at(50)).toBeGreaterThan(at(60));
    expect(at(90)).toBeLessThan(at(60));
    expect(at(120)).toBe(clean);
    expect(at(400)).toBe(clean);
    expect(thresholdForFace([], clean)(40)).toBe(clean);
  });
});
