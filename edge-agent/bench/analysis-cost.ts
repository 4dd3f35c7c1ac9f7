/**
 * `node --import tsx edge-agent/bench/analysis-cost.ts`: the cost of analysing one frame, without
 * cameras, RTSP or a hub: the reference scenes of issue 15 (edge-agent/bench/scenes.ts), decoded
 * once at 5 fps, go through a real FaceMatcher (motion gate, search plan, BlazeFace, descriptors,
 * tracks, band thresholds, K = 3 in 3 s) with the in-thread analyser, one frame at a time.
 *
 * Reports per scene: detector runs and chips described per frame, CPU ms per frame of this
 * process (what the inference workers and the matcher spend on it in the agent), candidates on
 * the subject's lane by band and on the others' lane (false). Counts do not depend on the box's
 * load; CPU does, a little, so compare two versions run one after the other, twice, with the load
 * average printed beside. The end-to-end figures stay `npm run bench:edge`'s.
 *
 *   env: BENCH_SCENES (entrance,busy), BENCH_CYCLES (3 scene cycles of 40 s per scene),
 *        SHOPWATCH_LOG_LEVEL=warn hides the candidates' log lines
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bandThresholds, decodeImage, loadVision, thresholdForFace } from '@shopwatch/models';
import { encodeDescriptor } from '@shopwatch/protocols';
import { GalleryStore } from '../src/gallery/store';
import { createLogger } from '../src/log';
import { FaceMatcher } from '../src/matching/matcher';
import { facePhoto } from '../../scripts/demo/media';
import { buildScene, LANE_SPLIT_Y, type SceneName } from './scenes';

const SCENES = (process.env.BENCH_SCENES ?? 'entrance,busy').split(',') as SceneName[];
const CYCLES = Number(process.env.BENCH_CYCLES ?? 3);
const W = 768;
const H = 576;

/** The scene's frames at the agent's detect rate and size, as ffmpeg hands them to the agent. */
function decode(file: string): Buffer {
  const args = ['-v', 'error', '-i', file, '-vf', `fps=5,scale=${W}:${H}`, '-f', 'rawvideo', '-pix_fmt', 'rgb24'];
  return execFileSync('ffmpeg', [...args, 'pipe:1'], { maxBuffer: 1 << 30 });
}

const vision = await loadVision();
// The gallery: the subject of the scenes, from the photo the scenes paste in.
const photo = await decodeImage(await facePhoto());
const [face] = await vision.detectFaces(photo.rgb, photo.width, photo.height);
const subject = await vision.describeFace(vision.alignFace(photo.rgb, photo.width, photo.height, face!));
const results = [];
for (const name of SCENES) {
  const raw = decode((await buildScene(name)).file);
  const size = W * H * 3;
  const count = raw.length / size;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shopwatch-analysis-cost-'));
  const gallery = new GalleryStore(dir);
  const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
  const descriptor = encodeDescriptor(subject);
  gallery.apply({
    scheme: 'town',
    version: 1,
    templates: [{ subjectId: 'S', templateId: 't', version: 1, descriptor, expiresAt }],
  });
  const candidates: { y: number; w: number }[] = [];
  const matcher = new FaceMatcher({
    vision,
    gallery,
    log: createLogger('bench:analysis'),
    sink: { submit: async (r) => void candidates.push({ y: r.box.y + r.box.h / 2, w: r.box.w }) },
    threshold: vision.matchThreshold,
    thresholdFor: thresholdForFace(bandThresholds(), vision.matchThreshold),
    minFacePx: bandThresholds()[0]?.facePx,
    frames: 3,
    windowSeconds: 3,
    cooldownSeconds: 5, // as bench:edge: each pass of the subject is a candidate of its own
    clockOffsetMs: () => 0,
  });
  const t0 = Date.now();
  const cpu0 = process.cpuUsage();
  for (let k = 0; k < CYCLES * count; k++) {
    const i = k % count;
    const rgb = Buffer.from(raw.subarray(i * size, (i + 1) * size)); // a copy: the matcher may keep it
    matcher.push({ cameraId: 'cam-0', rgb, width: W, height: H, capturedAt: t0 + k * 200 });
    await matcher.idle();
  }
  const cpu = process.cpuUsage(cpu0);
  const seconds = (cpu.user + cpu.system) / 1e6;
  const s = matcher.stats;
  const lane = candidates.filter((c) => c.y >= LANE_SPLIT_Y);
  const r = {
    scene: name,
    frames: s.framesAnalysed,
    static: s.framesStatic,
    detectorRunsPerFrame: +(s.detectorRuns / s.framesAnalysed).toFixed(3),
    chipsPerFrame: +(s.chipsDescribed / s.framesAnalysed).toFixed(3),
    cpuMsPerFrame: +((seconds * 1000) / s.framesAnalysed).toFixed(2),
    framesPerCpuSecond: +(s.framesAnalysed / seconds).toFixed(1),
    subjectPassesPerBand: CYCLES,
    subject60: lane.filter((c) => c.w >= 50).length,
    subject40: lane.filter((c) => c.w < 50).length,
    falseCandidates: candidates.length - lane.length,
    loadAverage1m: +os.loadavg()[0]!.toFixed(2),
  };
  console.error('[bench:analysis]', JSON.stringify(r));
  results.push(r);
  fs.rmSync(dir, { recursive: true, force: true });
}
await vision.close();
console.log(JSON.stringify({ cores: os.cpus().length, cycles: CYCLES, results }, null, 2));
