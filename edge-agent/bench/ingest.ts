/**
 * Camera ingest benchmark: N cameras served by the real RTSP fixture, each read by the agent's
 * ONE ffmpeg process (decode at detect fps + stream-copy segments), side by side with the peer
 * layout many NVR scripts use — TWO ffmpeg processes per camera (one decoding, one recording),
 * hence two RTSP sessions. Prints CPU per camera, frames/s and the ratio.
 *
 *   tsx edge-agent/bench/ingest.ts [cameras=4] [seconds=20]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Camera } from '../src/camera/camera';
import { CameraConfig } from '../src/config';
import { testVideo } from '../../scripts/demo/media';
import { startRtspServer } from '../test/support/rtsp-server';
import { cpuSeconds } from '../test/support/wait';

const cameras = Number(process.argv[2] ?? 4);
const seconds = Number(process.argv[3] ?? 20);
const detect = { width: 384, height: 288 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function measure(pids: () => number[], warmupMs: number): Promise<number> {
  await sleep(warmupMs);
  const before = await Promise.all(pids().map(cpuSeconds));
  await sleep(seconds * 1000);
  const after = await Promise.all(pids().map(cpuSeconds));
  return after.reduce((s, v, i) => s + v - before[i], 0) / seconds; // cores
}

async function main() {
  const video = await testVideo();
  const mounts = Object.fromEntries(Array.from({ length: cameras }, (_, i) => [`cam${i}`, video]));
  const rtsp = await startRtspServer({ mounts });
  const dir = mkdtempSync(join(tmpdir(), 'edge-bench-'));
  try {
    // ours: one process per camera
    let frames = 0;
    const cams = Object.keys(mounts).map(
      (id) =>
        new Camera({
          camera: CameraConfig.parse({ id, name: id, url: rtsp.url(id), detectSize: detect }),
          segmentDir: join(dir, 'ours', id),
          segmentSeconds: 2,
          watchdogTimeoutSeconds: 10,
          onFrame: () => frames++,
        }),
    );
    cams.forEach((c) => {
      c.start();
    });
    await sleep(3000);
    const f0 = frames;
    const ours = await measure(() => cams.map((c) => c.pid!).filter(Boolean), 0);
    const fps = (frames - f0) / seconds / cameras;
    await Promise.all(cams.map((c) => c.stop()));

    // peer: two processes per camera
    const procs: ChildProcess[] = [];
    for (const id of Object.keys(mounts)) {
      const out = join(dir, 'peer', id);
      mkdirSync(out, { recursive: true });
      const common = [
        '-hide_banner',
        '-nostdin',
        '-loglevel',
        'error',
        '-rtsp_transport',
        'tcp',
        '-i',
        rtsp.url(id),
        '-map',
        '0:v:0',
      ];
      procs.push(
        spawn(
          'ffmpeg',
          [
            ...common,
            '-vf',
            `fps=5,scale=${detect.width}:${detect.height}`,
            '-pix_fmt',
            'rgb24',
            '-f',
            'rawvideo',
            'pipe:1',
          ],
          { stdio: ['ignore', 'pipe', 'ignore'] },
        ),
      );
      procs.at(-1)!.stdout!.resume();
      procs.push(
        spawn(
          'ffmpeg',
          [
            ...common,
            '-c:v',
            'copy',
            '-f',
            'segment',
            '-segment_time',
            '2',
            '-segment_format',
            'mpegts',
            join(out, '%06d.ts'),
          ],
          { stdio: 'ignore' },
        ),
      );
    }
    const peer = await measure(() => procs.map((p) => p.pid!), 3000);
    procs.forEach((p) => {
      p.kill('SIGKILL');
    });

    const pct = (cores: number) => `${((cores / cameras) * 100).toFixed(1)} %`;
    console.log(
      `cameras: ${cameras} x 768x576 H.264 10 fps, detect ${detect.width}x${detect.height} at 5 fps, ${seconds} s`,
    );
    console.log(
      `agent (1 ffmpeg, 1 RTSP session per camera):   ${pct(ours)} of a core per camera, ${fps.toFixed(2)} ` +
        `frames/s per camera`,
    );
    console.log(`peer  (2 ffmpeg, 2 RTSP sessions per camera):  ${pct(peer)} of a core per camera`);
    console.log(`ratio agent/peer CPU: ${(ours / peer).toFixed(2)}`);
  } finally {
    await rtsp.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
