import { spawn } from 'node:child_process';
import type { CameraConfig } from '../config';
import { buildThumbnailArgs } from './live-args';
import { type HubLink, failure, sendOnce } from './hub-socket';

const MAX_JPEG_BYTES = 1024 * 1024;

/** Runs ffmpeg for one JPEG frame of the camera; rejects after `timeoutMs` or on any failure. */
export function grabJpeg(camera: CameraConfig, ffmpegPath: string, timeoutMs = 8000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(ffmpegPath, buildThumbnailArgs(camera), { stdio: ['ignore', 'pipe', 'pipe'] });
    const parts: Buffer[] = [];
    let bytes = 0;
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('no frame from the camera in time'));
    }, timeoutMs);
    child.stdout!.on('data', (d: Buffer) => {
      bytes += d.length;
      if (bytes > MAX_JPEG_BYTES) return void child.kill('SIGKILL');
      parts.push(d);
    });
    child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-1000)));
    child.on('error', (err) => (clearTimeout(timer), reject(err)));
    child.on('exit', (code) => {
      clearTimeout(timer);
      const jpeg = Buffer.concat(parts);
      // A JPEG starts with SOI (FF D8) and ends with EOI (FF D9).
      const whole =
        jpeg.length > 4 && jpeg[0] === 0xff && jpeg[1] === 0xd8 && jpeg.at(-2) === 0xff && jpeg.at(-1) === 0xd9;
      if (code === 0 && whole && bytes <= MAX_JPEG_BYTES) resolve(jpeg);
      else reject(new Error(`no thumbnail (ffmpeg ${code}): ${stderr.trim().split('\n').at(-1) ?? ''}`));
    });
  });
}

/** Grabs a JPEG and sends it to the hub as the one binary message of `/live/edge?stream=<id>`. */
export async function sendThumbnail(
  link: HubLink,
  streamId: string,
  camera: CameraConfig,
  ffmpegPath: string,
): Promise<void> {
  let payload: Buffer | string;
  try {
    payload = await grabJpeg(camera, ffmpegPath);
  } catch (err) {
    payload = failure((err as Error).message);
  }
  await sendOnce(link, streamId, payload);
}
