/**
 * `node --import tsx edge-agent/bench/pool.ts`: the inference pool's throughput for worker
 * and intra-op thread counts (issue 15: "intra-op threads tuned and measured"). Each setting
 * analyses the same real frames (vtest.avi + a face, 768x576, whole frame + 2x2 tiles, the
 * costliest search) as fast as the pool takes them, and reports frames per wall second and
 * per CPU-second of this process (worker threads included), beside the load average.
 *
 *   env: BENCH_FRAMES (60 per setting)
 */
import os from 'node:os';
import { InferencePool } from '../src/inference/pool';
import { decodeFrame } from '../test/support/frames';
import { faceVideo } from '../../scripts/demo/media';

const FRAMES = Number(process.env.BENCH_FRAMES ?? 60);
const settings = [
  { workers: 1, intraOpThreads: 1 },
  { workers: 1, intraOpThreads: 2 },
  { workers: 2, intraOpThreads: 1 },
  { workers: 2, intraOpThreads: 2 },
];

const video = await faceVideo();
const frames = await Promise.all([4, 5, 6, 7].map((s) => decodeFrame(video, s, 768, 576)));
const results = [];
for (const s of settings) {
  const pool = await InferencePool.start(s);
  await Promise.all(frames.map((f) => pool.analyse(f.rgb, 768, 576, { tiles: true }))); // warm-up
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let next = 0;
  const lane = async () => {
    while (next < FRAMES) {
      const f = frames[next++ % frames.length]!;
      await pool.analyse(f.rgb, 768, 576, { tiles: true });
    }
  };
  await Promise.all(Array.from({ length: s.workers }, lane));
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  await pool.close();
  const r = {
    ...s,
    frames: FRAMES,
    framesPerSecond: +(FRAMES / wall).toFixed(1),
    framesPerCpuSecond: +(FRAMES / cpuSeconds).toFixed(1),
    msPerFrame: +((wall * 1000 * s.workers) / FRAMES).toFixed(1),
    loadAverage1m: +os.loadavg()[0]!.toFixed(2),
  };
  console.error('[bench:pool]', JSON.stringify(r));
  results.push(r);
}
console.log(JSON.stringify({ cores: os.cpus().length, results }, null, 2));
