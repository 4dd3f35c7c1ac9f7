import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { MotionDetector } from '../../src/motion/motion-detector';
import type { Rect } from '../../src/motion/regions';
import { facePhoto, testVideo } from '../../../scripts/demo/media';

const run = promisify(execFile);
const W = 768;
const H = 576;

/** `seconds` of a video from `from`, decoded at 5 fps to 768x576 RGB frames by real ffmpeg. */
async function frames(file: string, from: number, seconds: number): Promise<Buffer[]> {
  const args = [
    '-v',
    'error',
    '-ss',
    String(from),
    '-t',
    String(seconds),
    '-i',
    file,
    '-vf',
    `fps=5,scale=${W}:${H}`,
    '-pix_fmt',
    'rgb24',
    '-f',
    'rawvideo',
    'pipe:1',
  ];
  const { stdout } = await run('ffmpeg', args, { encoding: 'buffer', maxBuffer: 256 << 20 });
  const size = W * H * 3;
  return Array.from({ length: Math.floor(stdout.length / size) }, (_, i) => stdout.subarray(i * size, (i + 1) * size));
}

/** The lawn in the lower left of vtest.avi at 768x576: grass, a stone and a bag, nobody walking. */
const LAWN = { x: 0, y: 330, w: 300, h: 246 };
const area = (rs: Rect[]) => rs.reduce((s, r) => s + r.w * r.h, 0);
const covers = (o: Rect, i: Rect) => o.x <= i.x && o.y <= i.y && o.x + o.w >= i.x + i.w && o.y + o.h >= i.y + i.h;

describe('motion regions on real CCTV footage (vtest.avi)', () => {
  it('finds the people walking in every frame, on a small part of the picture, in about a millisecond', async () => {
    const clip = await frames(await testVideo(), 10, 8);
    expect(clip.length).toBeGreaterThanOrEqual(39);
    const m = new MotionDetector();
    m.detect(clip[0]!, W, H);
    const shares: number[] = [];
    const ms: number[] = [];
    for (const f of clip.slice(1)) {
      const t0 = performance.now();
      const { regions, global } = m.detect(f, W, H);
      ms.push(performance.now() - t0);
      expect(global).toBe(false);
      expect(regions.length).toBeGreaterThan(0); // people walk through every frame of this scene
      shares.push(area(regions) / (W * H));
      // Nobody walks on the lawn in the lower left of this scene: no region lies within it.
      expect(regions.filter((r) => covers(LAWN, r))).toEqual([]);
    }
    const mean = shares.reduce((a, b) => a + b, 0) / shares.length;
    // The pavement has 3-8 walkers: the regions hold them and leave most of the frame unsearched.
    expect(mean).toBeLessThan(0.4);
    ms.sort((a, b) => a - b);
    // ~1 ms measured; the shared test box gets a wide margin.
    expect(ms[Math.floor(ms.length / 2)]).toBeLessThan(8);
    console.log(
      `[motion] vtest: median ${ms[Math.floor(ms.length / 2)]!.toFixed(2)} ms/frame, ` +
        `mean share searched ${(mean * 100).toFixed(1)} %`,
    );
  }, 60_000);

  it('puts a region over a face the moment it appears in a still part of the scene', async () => {
    // Real footage with a real face pasted from the 6th frame on, over the lawn.
    const face = { x: 150, y: 390, w: 80, h: 80 };
    const head = await sharp(await facePhoto())
      .resize(face.w, face.h)
      .removeAlpha()
      .raw()
      .toBuffer();
    const clip = (await frames(await testVideo(), 30, 3)).map((f, i) => {
      if (i < 5) return f;
      const out = Buffer.from(f);
      for (let r = 0; r < face.h; r++) {
        head.copy(out, ((face.y + r) * W + face.x) * 3, r * face.w * 3, (r + 1) * face.w * 3);
      }
      return out;
    });
    const m = new MotionDetector();
    const found = clip.map((f) => m.detect(f, W, H).regions);
    const touches = (r: Rect) =>
      r.x < face.x + face.w && face.x < r.x + r.w && r.y < face.y + face.h && face.y < r.y + r.h;
    expect(found.slice(0, 5).flat().filter(touches)).toEqual([]);
    expect(found[5]!.some((r) => covers(r, face))).toBe(true);
  }, 60_000);
});
