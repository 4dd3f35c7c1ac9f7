import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { sha256 } from '../../src/evidence/hash';
import { expandBox, saveCropJpeg, saveFrameJpeg } from '../../src/evidence/snapshot';
import { decodeFrame } from '../support/frames';
import { FACE_OVERLAY, faceVideo } from '../../../scripts/demo/media';

const dir = mkdtempSync(join(tmpdir(), 'edge-snap-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('JPEG evidence of a frame', () => {
  it('saves the whole frame and a face crop as JPEG with the SHA-256 of the written bytes', async () => {
    // detect size is half the camera's: the face box scales with it
    const frame = await decodeFrame(await faceVideo(), 5, 384, 288);
    const s = FACE_OVERLAY.size / 2;
    const box = { x: FACE_OVERLAY.x / 2, y: FACE_OVERLAY.y / 2, w: s, h: s };

    const whole = await saveFrameJpeg(frame, join(dir, 'frame.jpg'));
    expect(whole).toMatchObject({ width: 384, height: 288, box: { x: 0, y: 0, w: 384, h: 288 } });
    expect(await sharp(whole.file).metadata()).toMatchObject({ format: 'jpeg', width: 384, height: 288 });
    expect(whole.sha256).toBe(sha256(readFileSync(whole.file)));

    const crop = await saveCropJpeg(frame, box, join(dir, 'crop.jpg'), { margin: 0.25 });
    expect(crop.box).toEqual({ x: 150, y: 60, w: 90, h: 90 });
    expect(await sharp(crop.file).metadata()).toMatchObject({ format: 'jpeg', width: 90, height: 90 });
    expect(crop.sha256).toBe(sha256(readFileSync(crop.file)));
    // the crop shows the face photo (skin tones), not the grey pavement around it
    const { channels } = await sharp(crop.file).stats();
    expect(channels[0].mean - channels[2].mean).toBeGreaterThan(10);
  });

  it('clamps a widened box to the frame and refuses one outside it', () => {
    expect(expandBox({ x: 0, y: 0, w: 40, h: 40 }, 0.5, 100, 100)).toEqual({
      x: 0,
      y: 0,
      w: 60,
      h: 60,
    });
    expect(() => expandBox({ x: 200, y: 200, w: 10, h: 10 }, 0, 100, 100)).toThrow(/outside/);
  });
});
