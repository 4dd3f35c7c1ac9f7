/**
 * The two reference scenes of issue 15, made with ffmpeg from packaged media (cached):
 *
 * - `busy`: a busy street — vtest.avi (pedestrians walking all the time);
 * - `entrance`: a store entrance empty 80 % of the time — a still part of vtest.avi (the lawn,
 *   nobody on it, scaled to 768x576, so it keeps the camera's noise and compression).
 *
 * Over each, in a 40 s cycle, four heads walk across (2 s each, left to right, 150 px/s): the
 * enrolled subject (human's screenshot-faceid, the gallery photo) with a 60 px face at 10-12 s
 * and a 40 px face at 26-28 s, on the lower lane; two other people (face crops of human's
 * screenshot-facedetect) with 60 and 40 px faces at 18-20 s and 34-36 s, on the upper lane.
 * A candidate on the lower lane is a subject pass, one on the upper lane a false candidate.
 *
 *   node --import tsx edge-agent/bench/scenes.ts   (builds both, prints the files)
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { othersInRegions } from '../../models/test/fixtures';
import { H264, facePhoto, mediaCacheDir, testVideo } from '../../scripts/demo/media';

const run = promisify(execFile);

export type SceneName = 'busy' | 'entrance';
export const CYCLE_SECONDS = 40;
/** Lower lane (subject) and upper lane (others): a candidate box centre below this y is the subject's. */
export const LANE_SPLIT_Y = 300;

export interface Pass {
  who: 'subject' | 'other';
  facePx: 40 | 60;
  from: number;
  to: number;
}

/**
 * Away from the cycle's ends: every RTSP session starts at t=0 and the bench's window (one
 * cycle) opens after a warm-up of ~4-8 s, so a pass near t=0 would straddle the window's edges.
 */
export const PASSES: Pass[] = [
  { who: 'subject', facePx: 60, from: 10, to: 12 },
  { who: 'other', facePx: 60, from: 18, to: 20 },
  { who: 'subject', facePx: 40, from: 26, to: 28 },
  { who: 'other', facePx: 40, from: 34, to: 36 },
];

/** Face width / image width of each head image (BlazeFace boxes: 96 of 140 px, 97 of 160 px). */
const SUBJECT_FACE_RATIO = 96 / 140;
const OTHER_FACE_RATIO = 97 / 160;

export interface Scene {
  name: SceneName;
  file: string;
  /** Share of the cycle with nobody in view (entrance) or with heads overlaid (both). */
  headsInViewShare: number;
}

export async function buildScene(name: SceneName): Promise<Scene> {
  const subject = await facePhoto();
  // facedetect crops 2 and 4: two people who are not the subject, frontal, ~97 px faces.
  const others = await Promise.all(
    [othersInRegions[1]!, othersInRegions[3]!].map(async (r, i) => {
      const out = path.join(mediaCacheDir(), `bench-other-${i}.png`);
      if (!fs.existsSync(out)) {
        await sharp(r.path)
          .extract({ left: r.region.x, top: r.region.y, width: r.region.w, height: r.region.h })
          .png()
          .toFile(out);
      }
      return out;
    }),
  );
  const background = ['-t', String(CYCLE_SECONDS), '-i', await testVideo()];
  const base = name === 'busy' ? '[0:v]null[bg]' : '[0:v]crop=300:246:0:330,scale=768:576,setsar=1[bg]';
  const side = (p: Pass) => Math.round(p.facePx / (p.who === 'subject' ? SUBJECT_FACE_RATIO : OTHER_FACE_RATIO));
  const input = (p: Pass) => (p.who === 'subject' ? 1 : p.facePx === 60 ? 2 : 3);
  const heads = PASSES.map((p, i) => `[${input(p)}:v]scale=${side(p)}:${side(p)}[h${i}]`);
  const lanes = PASSES.map((p, i) => {
    const y = p.who === 'subject' ? 380 : 120;
    const x = `150+(t-${p.from})*150`;
    const enable = `between(t,${p.from},${p.to})`;
    return `[${i === 0 ? 'bg' : `v${i}`}][h${i}]overlay=x='${x}':y=${y}:enable='${enable}'[v${i + 1}]`;
  });
  const filter = [base, ...heads, ...lanes].join(';').replace(/\[v4\]$/, '');
  // The demo camera's encoding (1 s GOP, no B-frames, no audio), at the scenes' 10 fps.
  const h264 = [...H264, '-r', '10'];
  const recipe = JSON.stringify([name, filter, h264, subject, others]);
  const key = createHash('sha256').update(recipe).digest('hex').slice(0, 12);
  const file = path.join(mediaCacheDir(), `edge-scene-${key}`, `${name}.mp4`);
  if (!fs.existsSync(file)) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp.mp4`;
    await run('ffmpeg', [
      '-hide_banner',
      '-nostdin',
      '-v',
      'error',
      '-y',
      ...background,
      '-loop',
      '1',
      '-i',
      subject,
      '-loop',
      '1',
      '-i',
      others[0]!,
      '-loop',
      '1',
      '-i',
      others[1]!,
      '-filter_complex',
      filter,
      '-t',
      String(CYCLE_SECONDS),
      ...h264,
      tmp,
    ]);
    fs.renameSync(tmp, file);
  }
  const inView = PASSES.reduce((s, p) => s + p.to - p.from, 0) / CYCLE_SECONDS;
  return { name, file, headsInViewShare: inView };
}

/**
 * Offset (whole seconds) at which camera `i` of `n` starts the scene when the start is staggered:
 * i x cycle / n, so a store's cameras do not see one person at the same instant. Whole seconds
 * because the scenes have a 1 s GOP: the rotated file is cut there without re-encoding.
 */
export function staggerOffset(i: number, n: number): number {
  return Math.round((i * CYCLE_SECONDS) / n) % CYCLE_SECONDS;
}

/**
 * The scene as a camera that joined it `offsetS` seconds in would show it: the cycle from
 * `offsetS` to its end, then from its start to `offsetS` (stream copy at key frames, cached).
 */
export async function rotatedScene(scene: Scene, offsetS: number): Promise<string> {
  if (offsetS === 0) return scene.file;
  const file = scene.file.replace(/\.mp4$/, `-from-${offsetS}s.mp4`);
  if (fs.existsSync(file)) return file;
  const list = `${file}.${process.pid}.txt`;
  const tmp = `${file}.${process.pid}.tmp.mp4`;
  // ffconcat: the same file twice, cut at the offset (a key frame: 1 s GOP).
  const quoted = `'${scene.file.replace(/'/g, "'\\''")}'`;
  fs.writeFileSync(
    list,
    `ffconcat version 1.0\nfile ${quoted}\ninpoint ${offsetS}\nfile ${quoted}\noutpoint ${offsetS}\n`,
  );
  try {
    await run('ffmpeg', [
      '-hide_banner',
      '-nostdin',
      '-v',
      'error',
      '-y',
      '-f',
      'concat',
      '-safe',
      '0',
      '-i',
      list,
      '-c',
      'copy',
      '-movflags',
      '+faststart',
      tmp,
    ]);
    fs.renameSync(tmp, file);
  } finally {
    fs.rmSync(list, { force: true });
    fs.rmSync(tmp, { force: true });
  }
  return file;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const name of ['busy', 'entrance'] as const) console.log(JSON.stringify(await buildScene(name)));
}
