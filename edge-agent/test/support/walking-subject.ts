import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { decodeImage, type Vision } from '@shopwatch/models';
import { facePhoto, testVideo } from '../../../scripts/demo/media';

const run = promisify(execFile);

/** 5 fps of real footage (vtest.avi) from `from` s for `seconds`, decoded by ffmpeg to w×h RGB. */
export async function footage(from: number, seconds: number, w: number, h: number): Promise<Buffer[]> {
  const args = ['-v', 'error', '-ss', String(from), '-t', String(seconds), '-i', await testVideo()];
  args.push('-vf', `fps=5,scale=${w}:${h}`, '-pix_fmt', 'rgb24', '-f', 'rawvideo', 'pipe:1');
  const { stdout } = await run('ffmpeg', args, { encoding: 'buffer', maxBuffer: 256 << 20 });
  const size = w * h * 3;
  return Array.from({ length: Math.floor(stdout.length / size) }, (_, i) =>
    Buffer.from(stdout.subarray(i * size, (i + 1) * size)),
  );
}

export interface Subject {
  /** The subject's descriptor, as the hub would enrol it from the photo. */
  descriptor: Float32Array;
  /** The whole head (the photo around the face box) as square RGB, the face ~facePx wide in it. */
  head: Buffer;
  /** The head's side in px. */
  side: number;
}

/** The demo subject's enrolment photo: its descriptor, and its head cut out to paste into footage. */
export async function demoSubject(vision: Vision, facePx: number): Promise<Subject> {
  const photo = await decodeImage(await facePhoto());
  const [f] = await vision.detectFaces(photo.rgb, photo.width, photo.height);
  const descriptor = await vision.describeFace(vision.alignFace(photo.rgb, photo.width, photo.height, f!));
  const m = Math.round(f!.box.w * 0.35);
  const left = Math.max(0, Math.round(f!.box.x) - m);
  const top = Math.max(0, Math.round(f!.box.y) - m);
  const crop = Math.min(Math.round(f!.box.w) + 2 * m, photo.width - left, photo.height - top);
  const side = Math.round((facePx * crop) / f!.box.w);
  const head = await sharp(await facePhoto())
    .extract({ left, top, width: crop, height: crop })
    .resize(side, side)
    .removeAlpha()
    .raw()
    .toBuffer();
  return { descriptor, head, side };
}

/** Copies the head into a w-wide RGB frame with its top-left corner at (x, y). */
export function pasteHead(s: Subject, rgb: Buffer, w: number, x: number, y: number) {
  for (let r = 0; r < s.side; r++) s.head.copy(rgb, ((y + r) * w + x) * 3, r * s.side * 3, (r + 1) * s.side * 3);
}
