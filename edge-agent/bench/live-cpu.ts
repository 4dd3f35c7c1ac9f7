/**
 * Edge CPU of one live stream: the live view's stream copy to fMP4 against an MPEG-1 transcode
 * as node-rtsp-stream runs it (`-f mpegts -codec:v mpeg1video`), both pulling the same RTSP camera
 * (GStreamer test server) and measured from /proc/<ffmpeg pid>/stat over 20 s.
 *
 *   node --import tsx edge-agent/bench/live-cpu.ts [video.mp4]
 *
 * Without an argument it makes a 1080p25 H.264 test clip (4 Mbit/s, GOP 2 s) first.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CameraConfig } from '../src/config';
import { buildLiveArgs } from '../src/live/live-args';
import { startRtspServer } from '../test/support/rtsp-server';

const SECONDS = 20;

function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

function clip(): string {
  const out = join(tmpdir(), 'shopwatch-bench-1080p25.mp4');
  if (!existsSync(out)) {
    execFileSync('ffmpeg', [
      '-v',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      'testsrc2=size=1920x1080:rate=25',
      '-t',
      '30',
      '-c:v',
      'libx264',
      '-preset',
      'veryfast',
      '-g',
      '50',
      '-bf',
      '0',
      '-pix_fmt',
      'yuv420p',
      '-b:v',
      '4M',
      out,
    ]);
  }
  return out;
}

async function measure(name: string, args: string[]) {
  const child = spawn('ffmpeg', args, { stdio: ['ignore', 'pipe', 'ignore'] });
  let bytes = 0;
  child.stdout!.on('data', (d: Buffer) => (bytes += d.length));
  await new Promise((r) => setTimeout(r, 3000)); // past the start-up
  const c0 = cpuSeconds(child.pid!);
  const b0 = bytes;
  const t0 = Date.now();
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  const share = (cpuSeconds(child.pid!) - c0) / ((Date.now() - t0) / 1000);
  const kbps = ((bytes - b0) * 8) / 1000 / ((Date.now() - t0) / 1000);
  child.kill('SIGKILL');
  console.log(`${name}: ${(share * 100).toFixed(1)} % of a core, ${kbps.toFixed(0)} kbit/s out`);
}

const file = process.argv[2] ?? clip();
const rtsp = await startRtspServer({ mounts: { cam: file } });
const camera = CameraConfig.parse({
  id: 'cam',
  name: 'Bench',
  url: rtsp.url('cam'),
  detectSize: { width: 320, height: 240 },
});
try {
  await measure('stream copy to fMP4 (live view)', buildLiveArgs(camera));
  await measure('MPEG-1 transcode (node-rtsp-stream)', [
    '-hide_banner',
    '-nostdin',
    '-loglevel',
    'error',
    '-rtsp_transport',
    'tcp',
    '-i',
    camera.url,
    '-f',
    'mpegts',
    '-codec:v',
    'mpeg1video',
    '-b:v',
    '1000k',
    '-bf',
    '0',
    'pipe:1',
  ]);
} finally {
  await rtsp.close();
}
