/**
 * `npm run bench:models`: per-call latency of detect (whole frame and tiled), align and
 * describe, and frames per CPU-second of the full detect -> align -> describe path on
 * 768x576 CCTV frames (vtest.avi) with 1 and 4 faces pasted in (~60 px), on this CPU, one
 * inference thread. Writes bench/results/models.json.
 *
 * Anchor: Frigate's CPU detector takes ~70-75 ms per inference; goal: the full path at
 * >= 60 frames per CPU-second.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { decodeImage, type DetectOptions, type FaceDetection, loadVision, type Rect } from '../src/index.ts';
import { MODELS_DIR } from '../src/paths.ts';
import { pasteRegion, VTEST_H, VTEST_W, vtestFrames } from '../test/cctv.ts';
import { enrolmentFaceRegion, enrolmentPhoto } from '../test/fixtures.ts';

const ITER = Number(process.env.BENCH_ITER ?? 100);
const log = (...a: unknown[]) => console.error('[bench:models]', ...a);

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
};
const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

async function timeCalls(n: number, fn: (i: number) => Promise<unknown> | unknown) {
  for (let i = 0; i < Math.min(10, n); i += 1) await fn(i); // warm-up
  const ms: number[] = [];
  for (let i = 0; i < n; i += 1) {
    const t = performance.now();
    await fn(i);
    ms.push(performance.now() - t);
  }
  return { calls: n, medianMs: round(percentile(ms, 0.5)), p95Ms: round(percentile(ms, 0.95)) };
}

const loadAtStart = os.loadavg().map((x) => round(x));
const vision = await loadVision({ intraOpThreads: 1 });
const photo = await decodeImage(enrolmentPhoto);
const base = vtestFrames(200, 10, 20);

// Frames with 1 and 4 faces of ~60 px pasted at different places.
const side = Math.round((60 * enrolmentFaceRegion.w) / 81);
const spots = [
  [80, 60],
  [560, 80],
  [120, 380],
  [520, 360],
];
// Each pasted face also gets a 192 px region around it, standing in for a motion/person box.
const regionsOf = new Map<Buffer, Rect[]>();
const withFaces = async (n: number) =>
  Promise.all(
    base.map(async (f, i) => {
      const frame = Buffer.from(f);
      const regions: Rect[] = [];
      for (let k = 0; k < n; k += 1) {
        const [x, y] = spots[(k + i) % 4];
        const [px, py] = [x + (i % 5) * 8, y + (i % 3) * 8];
        await pasteRegion(frame, VTEST_W, photo, enrolmentFaceRegion, px, py, side);
        regions.push({ x: px + side / 2 - 96, y: py + side / 2 - 96, w: 192, h: 192 });
      }
      regionsOf.set(frame, regions);
      return frame;
    }),
  );
const frames1 = await withFaces(1);
const frames4 = await withFaces(4);
const faces4 = await vision.detectFaces(frames4[0], VTEST_W, VTEST_H);
if (faces4.length !== 4) throw new Error(`expected 4 faces in the 4-face frame, found ${faces4.length}`);
const chip = new Uint8Array(vision.chipSize * vision.chipSize * 3);
const chips: Uint8Array[] = [];
const chipPool = (i: number) => (chips[i] ??= new Uint8Array(vision.chipSize * vision.chipSize * 3));

log(`detect, align, describe: ${ITER} calls each`);
const perCall = {
  detectWholeFrame: await timeCalls(ITER, (i) =>
    vision.detectFaces(frames1[i % 20], VTEST_W, VTEST_H, { tiles: false }),
  ),
  detectTiled: await timeCalls(ITER, (i) => vision.detectFaces(frames1[i % 20], VTEST_W, VTEST_H)),
  detectTilesOnly: await timeCalls(ITER, (i) =>
    vision.detectFaces(frames1[i % 20], VTEST_W, VTEST_H, { wholeFrame: false }),
  ),
  detectNativeTiles: await timeCalls(Math.ceil(ITER / 2), (i) =>
    vision.detectFaces(frames1[i % 20], VTEST_W, VTEST_H, { tiles: { size: 256, overlap: 64 } }),
  ),
  align: await timeCalls(ITER * 5, (i) => vision.alignFace(frames4[0], VTEST_W, VTEST_H, faces4[i % 4], chip)),
  describe: await timeCalls(ITER, () => vision.describeFace(chip)),
  describeBatchOf4: await timeCalls(Math.ceil(ITER / 2), () => vision.describeFaces([chip, chip, chip, chip])),
};

async function fullPath(frames: Buffer[], expected: number, inRegions = false) {
  let faces = 0;
  const run = async (frame: Buffer) => {
    const opts: DetectOptions = inRegions ? { wholeFrame: false, tiles: false, regions: regionsOf.get(frame) } : {};
    const found: FaceDetection[] = await vision.detectFaces(frame, VTEST_W, VTEST_H, opts);
    // one batched descriptor run per frame, into reused chip buffers
    await vision.describeFaces(found.map((f, i) => vision.alignFace(frame, VTEST_W, VTEST_H, f, chipPool(i))));
    return found.length;
  };
  for (const f of frames.slice(0, 5)) await run(f); // warm-up
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < ITER; i += 1) faces += await run(frames[i % frames.length]);
  const wallS = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuS = (cpu.user + cpu.system) / 1e6;
  return {
    frames: ITER,
    facesPerFrame: round(faces / ITER, 2),
    expectedFacesPerFrame: expected,
    cpuSeconds: round(cpuS, 3),
    wallSeconds: round(wallS, 3),
    framesPerCpuSecond: round(ITER / cpuS, 1),
    framesPerWallSecond: round(ITER / wallS, 1),
  };
}

log('full path, 1 face');
const full1 = await fullPath(frames1, 1);
log('full path, 4 faces');
const full4 = await fullPath(frames4, 4);
log('full path in given regions, 1 and 4 faces');
const regions1 = await fullPath(frames1, 1, true);
const regions4 = await fullPath(frames4, 4, true);
await vision.close();

const results = {
  date: new Date().toISOString(),
  machine: {
    cpu: os.cpus()[0]?.model,
    cores: os.cpus().length,
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
    loadAverageAtStart: loadAtStart,
    loadAverageAtEnd: os.loadavg().map((x) => round(x)),
  },
  setup: {
    frames: 'vtest.avi (768x576) frames 200..390, faces pasted from the enrolment photo at ~60 px',
    timing: 'per call: wall-clock median/p95 in this process; full path: process CPU time (user+sys) over all frames',
    inferenceThreads: 1,
    detect:
      'BlazeFace 256 (back); whole frame = 1 letterboxed pass; tiled (the default) = whole + 2x2 tiles of ' +
      '449 px; tiles only = the 2x2 tiles without the whole-frame pass; native tiles = whole + 3x3 of 256 ' +
      'px',
    describe: 'dlib ResNet, 150x150 chip; per call: batch 1 (and a batch of 4); full path: one batch per frame',
  },
  perCall,
  fullPath: { oneFace: full1, fourFaces: full4 },
  fullPathInRegions: {
    $comment:
      'detect only inside one 192 px region per face (as a motion or person detector would supply, whose own ' +
      'cost is not counted), as Frigate runs its detector only on motion regions',
    oneFace: regions1,
    fourFaces: regions4,
  },
  anchor: { frigateCpuDetectorMsPerInference: '70-75', goalFramesPerCpuSecond: 60 },
  goalMet: {
    wholeFrameTiled: { oneFace: full1.framesPerCpuSecond >= 60, fourFaces: full4.framesPerCpuSecond >= 60 },
    inRegions: { oneFace: regions1.framesPerCpuSecond >= 60, fourFaces: regions4.framesPerCpuSecond >= 60 },
  },
};
const out = join(MODELS_DIR, '..', 'bench', 'results', 'models.json');
mkdirSync(join(out, '..'), { recursive: true });
writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
console.log(JSON.stringify(results, null, 2));
