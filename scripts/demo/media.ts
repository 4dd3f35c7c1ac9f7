import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';

const run = promisify(execFile);

/** Debian `opencv-doc`: 768x576, 10 fps, 79.5 s of pedestrians seen from above, CCTV-like. */
export const VTEST_AVI = '/usr/share/doc/opencv-doc/examples/data/vtest.avi';

/**
 * One clear frontal face: the author's photo in `@vladmandic/human`'s
 * `assets/screenshot-faceid.jpg` (MIT), cropped to the 140x140 box around his head.
 */
const FACE_SOURCE = { file: 'assets/screenshot-faceid.jpg', left: 14, top: 142, width: 140, height: 140 };

/** Where and when the face appears in {@link faceVideo} (pixels of the 768x576 frame). */
export const FACE_OVERLAY = { x: 330, y: 150, size: 120, fromSeconds: 3, toSeconds: 9 } as const;

// Camera-like H.264: GOP of 1 s (-g 10 at 10 fps) so 2 s segments cut cleanly, no B-frames
// (PTS = DTS, as most CCTV encoders), no scene-cut key frames, no audio.
export const H264 = [
  '-c:v',
  'libx264',
  '-preset',
  'veryfast',
  '-crf',
  '26',
  '-g',
  '10',
  '-keyint_min',
  '10',
  '-sc_threshold',
  '0',
  '-bf',
  '0',
  '-pix_fmt',
  'yuv420p',
  '-an',
  '-movflags',
  '+faststart',
];

export function mediaCacheDir(): string {
  return process.env.SHOPWATCH_TEST_MEDIA_DIR ?? join(tmpdir(), 'shopwatch-test-media');
}

/** Builds `name` once per recipe; concurrent builders race harmlessly (atomic rename). */
const building = new Map<string, Promise<string>>();

function cached(name: string, recipe: unknown, build: (out: string) => Promise<void>): Promise<string> {
  const key = createHash('sha256')
    .update(JSON.stringify([name, recipe]))
    .digest('hex');
  let p = building.get(key);
  if (!p) {
    p = buildOnce(name, recipe, build);
    building.set(key, p);
    p.catch(() => building.delete(key));
  }
  return p;
}

async function buildOnce(name: string, recipe: unknown, build: (out: string) => Promise<void>): Promise<string> {
  const key = createHash('sha256').update(JSON.stringify(recipe)).digest('hex').slice(0, 12);
  const file = join(mediaCacheDir(), key, name);
  if (existsSync(file)) return file;
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}-${Math.random().toString(36).slice(2)}.tmp${name.slice(name.lastIndexOf('.'))}`;
  try {
    await build(tmp);
    renameSync(tmp, file);
  } finally {
    rmSync(tmp, { force: true });
  }
  return file;
}

/** vtest.avi re-encoded to camera-like H.264 in MP4 (768x576, 10 fps, 79.5 s). */
export function testVideo(): Promise<string> {
  return cached('vtest-h264.mp4', H264, async (out) => {
    await run('ffmpeg', ['-hide_banner', '-nostdin', '-v', 'error', '-y', '-i', VTEST_AVI, ...H264, out]);
  });
}

/** The face photo (PNG, 140x140) used by {@link faceVideo}; also usable as a gallery image. */
export function facePhoto(): Promise<string> {
  return cached('face.png', FACE_SOURCE, async (out) => {
    const humanDir = packageDir('@vladmandic/human');
    const { file, ...box } = FACE_SOURCE;
    await sharp(join(humanDir, file)).extract(box).png().toFile(out);
  });
}

/** The folder of an installed package, even when its `exports` hide `package.json`. */
function packageDir(name: string): string {
  const require = createRequire(import.meta.url);
  try {
    return dirname(require.resolve(`${name}/package.json`));
  } catch {
    let dir = dirname(require.resolve(name));
    while (!existsSync(join(dir, 'package.json')) || !dir.endsWith(name.split('/').at(-1)!)) {
      const up = dirname(dir);
      if (up === dir) throw new Error(`cannot find the folder of ${name}`);
      dir = up;
    }
    return dir;
  }
}

/** {@link testVideo} with {@link facePhoto} overlaid as in {@link FACE_OVERLAY} (face ≈ 90 px). */
export async function faceVideo(): Promise<string> {
  const face = await facePhoto();
  const { x, y, size, fromSeconds, toSeconds } = FACE_OVERLAY;
  const filter =
    `[1:v]scale=${size}:${size}[f];` + `[0:v][f]overlay=x=${x}:y=${y}:enable='between(t,${fromSeconds},${toSeconds})'`;
  return cached('vtest-face-h264.mp4', [H264, FACE_SOURCE, FACE_OVERLAY], async (out) => {
    await run('ffmpeg', [
      '-hide_banner',
      '-nostdin',
      '-v',
      'error',
      '-y',
      '-i',
      VTEST_AVI,
      '-i',
      face,
      '-filter_complex',
      filter,
      ...H264,
      out,
    ]);
  });
}

/** `ffprobe` of the first video stream and the format, as JSON. */
export async function probe(
  file: string,
): Promise<{ codec: string; width: number; height: number; duration: number; frames: number | null }> {
  const { stdout } = await run('ffprobe', [
    '-v',
    'error',
    '-select_streams',
    'v:0',
    '-count_packets',
    '-show_entries',
    'stream=codec_name,width,height,nb_read_packets:format=duration',
    '-of',
    'json',
    file,
  ]);
  const j = JSON.parse(stdout) as { streams: Array<Record<string, string | number>>; format: { duration: string } };
  const s = j.streams[0];
  return {
    codec: String(s.codec_name),
    width: Number(s.width),
    height: Number(s.height),
    duration: Number(j.format.duration),
    frames: s.nb_read_packets ? Number(s.nb_read_packets) : null,
  };
}
