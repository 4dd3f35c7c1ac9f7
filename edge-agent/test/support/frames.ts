import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Frame } from '../../src/camera/frame-reader';

const run = promisify(execFile);

/** Decodes one frame of a video at `seconds`, scaled to width x height, as an ingest Frame. */
export async function decodeFrame(
  file: string,
  seconds: number,
  width: number,
  height: number,
  cameraId = 'cam1',
): Promise<Frame> {
  const { stdout } = await run(
    'ffmpeg',
    [
      '-v',
      'error',
      '-ss',
      String(seconds),
      '-i',
      file,
      '-frames:v',
      '1',
      '-vf',
      `scale=${width}:${height}`,
      '-pix_fmt',
      'rgb24',
      '-f',
      'rawvideo',
      'pipe:1',
    ],
    { encoding: 'buffer', maxBuffer: 64 << 20 },
  );
  if (stdout.length !== width * height * 3) throw new Error(`decoded ${stdout.length} bytes`);
  return { cameraId, rgb: stdout, width, height, capturedAt: Date.now() };
}
