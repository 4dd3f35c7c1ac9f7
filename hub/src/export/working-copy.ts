import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const FFMPEG = 'ffmpeg';
const FFPROBE = 'ffprobe';
const TIMEOUT_MS = 5 * 60_000;

export interface WorkingCopy {
  /** Relative to `dir`, like the master. */
  file: string;
  /** The exact command, with paths relative to the bag's data/ folder, so it can be re-run. */
  command: string;
  ffmpegVersion: string;
  method: 'remux' | 'transcode';
}

/** The video codec of a file's first video stream, as ffprobe names it ("h264"). */
export async function videoCodec(file: string): Promise<string | null> {
  const args = ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=codec_name', '-of', 'csv=p=0', file];
  const { stdout } = await run(FFPROBE, args, { timeout: 60_000 });
  return stdout.trim().split('\n')[0] || null;
}

/**
 * NPCC/CAST guidance on video evidence: the master stays native and untouched; any copy made
 * for viewing is a *working copy*, named as such, with how it was made written down. An H.264
 * master (what edge boxes cut, by stream copy) is only re-wrapped (`-c copy`, index at the front
 * so any player starts at once); anything else is transcoded to H.264 so it plays everywhere.
 * `dir` holds `master/NAME`; the copy is written to `working/`.
 */
export async function makeWorkingCopy(dir: string, master: string): Promise<WorkingCopy> {
  const base = path.basename(master).replace(/\.[^.]*$/, '');
  const file = `working/${base}-WORKING-COPY.mp4`;
  const codec = await videoCodec(path.join(dir, master));
  if (!codec) throw new Error(`${master} has no video stream`);
  const method = codec === 'h264' ? 'remux' : 'transcode';
  const video =
    method === 'remux'
      ? ['-c:v', 'copy']
      : ['-c:v', 'libx264', '-preset', 'medium', '-crf', '18', '-pix_fmt', 'yuv420p'];
  const args = [
    '-hide_banner',
    '-loglevel',
    'error',
    '-nostdin',
    '-i',
    master,
    '-map',
    '0:v:0',
    ...video,
    '-movflags',
    '+faststart',
    '-f',
    'mp4',
    file,
  ];
  const { stdout } = await run(FFMPEG, ['-version'], { timeout: 60_000 });
  fs.mkdirSync(path.join(dir, 'working'), { recursive: true });
  await run(FFMPEG, args, { cwd: dir, timeout: TIMEOUT_MS });
  const ffmpegVersion = stdout.split('\n')[0]!.trim();
  return { file, command: ['ffmpeg', ...args].map(quote).join(' '), ffmpegVersion, method };
}

const quote = (a: string) => (/^[A-Za-z0-9_./:+=-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);
