import { readdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import sharp from 'sharp';
import { SEGMENT_NAME } from '../camera/ffmpeg-args';
import type { Frame } from '../camera/frame-reader';
import type { Box } from '@shopwatch/protocols';
import { runTool } from './tool';

/** Side of the thumbnails that find the detect frame among the recorded ones (cheap, and enough). */
const THUMB_W = 96;
const THUMB_H = 72;
/** A segment that ended this long before the capture cannot hold it (decode lag is well under this). */
const LAG_MS = 1000;
/** Segments decoded at most: with 1 s segments the capture can be in the third that ended after `ms - LAG_MS`. */
const MAX_SEGMENTS = 3;

export interface StillRequest {
  /** The camera's rolling-buffer directory (finished and still-growing segments). */
  dir: string;
  /** The detect-size frame the matcher judged. */
  frame: Frame;
  ffmpegPath?: string;
  /** Give up (ffmpeg killed) this long after the call: the still must not hold up the review. */
  timeoutMs?: number;
}

/**
 * Window of recorded frames decoded whole around the capture's place in the stream, seconds. The
 * detect frame trails its packet by the decoder's frame-thread delay, the fps filter and the pipe:
 * 0.65-0.70 s measured at 10 fps on a 2-core box (still.test.ts), so the window reaches 1 s back.
 */
const WINDOW_BEFORE_S = 1.0;
const WINDOW_AFTER_S = 0.2;
/**
 * Frames of that window piped out at most: the whole window up to 13 fps (21 MB at 768x576). At
 * higher rates the window is cut short and, when the closest frame is at the cut, the still falls
 * back on the two-pass search.
 */
const MAX_WINDOW_FRAMES = 16;

/**
 * The camera's full-resolution picture of a detect-size frame (issue 15: evidence stills from the
 * recorded stream, not the small frame the detector works on). Runs only for a confirmed match.
 * The frame's place in the recorded stream is known from the wall clock: a segment starts when
 * the previous one was closed (its mtime), and the stream runs in real time. So ONE ffmpeg run
 * decodes the segments around the capture (the growing one included: ffmpeg flushes every packet
 * to it) and pipes out only the few whole frames of a short window there; the one closest to the
 * detect frame (least difference of small thumbnails) is the still. Only when the segment's start
 * is not known (the first of a camera run) or the window holds nothing are the segments decoded
 * twice: once as thumbnails to find the frame, once to take it whole. Nothing is written to disk.
 *
 * @example
 * const full = await grabStill({ dir: ringDir, frame });
 * full.width; // 1920 when the recorded stream is 1080p
 */
export async function grabStill(req: StillRequest): Promise<Frame> {
  const files = segmentsAround(req.dir, req.frame.capturedAt);
  if (files.length === 0) throw new Error('no recorded segment around the capture');
  const input = files.length === 1 ? files[0]! : `concat:${files.join('|')}`;
  const deadline = Date.now() + (req.timeoutMs ?? 5000);
  const left = () => Math.max(1, deadline - Date.now());
  const run = (args: string[]) => runToolBuffer(req.ffmpegPath ?? 'ffmpeg', [...common(input), ...args], left());
  const want = await thumbnail(req.frame.rgb, req.frame.width, req.frame.height);
  const startMs = startOf(files[0]!);
  let picture: { rgb: Buffer; width: number; height: number } | undefined;
  if (startMs !== undefined) {
    const at = (req.frame.capturedAt - startMs) / 1000;
    const from = Math.max(0, at - WINDOW_BEFORE_S).toFixed(3);
    const to = (at + WINDOW_AFTER_S).toFixed(3);
    const select = `select=between(t\\,${from}\\,${to})`;
    const ppms = parsePpms(await run(['-vf', select, '-frames:v', String(MAX_WINDOW_FRAMES), ...PPM_OUT]));
    // Thumbnails made together: libvips spreads them over its threads.
    const thumbs = await Promise.all(ppms.map((p) => thumbnail(p.rgb, p.width, p.height)));
    let best = { index: -1, diff: Number.POSITIVE_INFINITY };
    for (const [index, t] of thumbs.entries()) {
      const diff = meanAbsDiff(want, t);
      if (diff < best.diff) best = { index, diff };
    }
    // Closest at a cut edge of the window (not the stream's start or end): the frame may lie beyond it.
    const cut = (best.index === 0 && Number(from) > 0) || best.index === MAX_WINDOW_FRAMES - 1;
    if (best.index >= 0 && !cut) picture = ppms[best.index];
  }
  picture ??= await twoPasses(run, want);
  return { ...picture, cameraId: req.frame.cameraId, capturedAt: req.frame.capturedAt };
}

/** The recorded frame most like `want`, found among the thumbnails of every frame of the input. */
async function twoPasses(run: (args: string[]) => Promise<Buffer>, want: Buffer) {
  const thumbs = await run([
    '-vf',
    `scale=${THUMB_W}:${THUMB_H}:flags=area`,
    '-pix_fmt',
    'rgb24',
    '-f',
    'rawvideo',
    'pipe:1',
  ]);
  const size = THUMB_W * THUMB_H * 3;
  let best = { index: -1, diff: Number.POSITIVE_INFINITY };
  for (let i = 0; (i + 1) * size <= thumbs.length; i++) {
    const diff = meanAbsDiff(want, thumbs.subarray(i * size, (i + 1) * size));
    if (diff < best.diff) best = { index: i, diff };
  }
  if (best.index < 0) throw new Error('no decodable frame around the capture');
  return parsePpm(await run(['-vf', `select=eq(n\\,${best.index})`, '-frames:v', '1', ...PPM_OUT]));
}

const common = (input: string) => [
  '-hide_banner',
  '-nostdin',
  '-loglevel',
  'error',
  '-i',
  input,
  '-map',
  '0:v:0',
  '-an',
];
const PPM_OUT = ['-c:v', 'ppm', '-f', 'image2pipe', 'pipe:1'];

function thumbnail(rgb: Uint8Array, width: number, height: number): Promise<Buffer> {
  return sharp(rgb, { raw: { width, height, channels: 3 } })
    .resize(THUMB_W, THUMB_H, { fit: 'fill', kernel: 'linear' })
    .raw()
    .toBuffer();
}

/**
 * Wall-clock ms at which a segment's first packet was written: when its run's previous segment
 * was closed (that file's mtime). Undefined for the first segment of a run, or once pruned.
 */
export function startOf(file: string): number | undefined {
  const m = SEGMENT_NAME.exec(basename(file));
  if (!m || Number(m[2]) === 0) return undefined;
  const previous = `${m[1]}-${String(Number(m[2]) - 1).padStart(m[2].length, '0')}.ts`;
  try {
    return statSync(join(dirname(file), previous)).mtimeMs;
  } catch {
    return undefined;
  }
}

/** A box of the detect frame in the pixels of the full-resolution one. */
export function scaleBox(
  box: Box,
  from: { width: number; height: number },
  to: { width: number; height: number },
): Box {
  const sx = to.width / from.width;
  const sy = to.height / from.height;
  const x = Math.max(0, Math.round(box.x * sx));
  const y = Math.max(0, Math.round(box.y * sy));
  return {
    x,
    y,
    w: Math.max(1, Math.min(to.width - x, Math.round(box.w * sx))),
    h: Math.max(1, Math.min(to.height - y, Math.round(box.h * sy))),
  };
}

/**
 * The segments that may hold the frame captured at `ms`, oldest first: the first
 * {@link MAX_SEGMENTS} segment files, finished or growing, that ended at most {@link LAG_MS}
 * before `ms` (the detect frame trails its packet, which may sit just before a cut).
 */
export function segmentsAround(dir: string, ms: number): string[] {
  const found: { file: string; mtimeMs: number }[] = [];
  for (const name of readdirSync(dir)) {
    if (!SEGMENT_NAME.test(name)) continue;
    try {
      const st = statSync(join(dir, name));
      if (st.mtimeMs >= ms - LAG_MS && st.size > 0) found.push({ file: join(dir, name), mtimeMs: st.mtimeMs });
    } catch {
      /* pruned meanwhile */
    }
  }
  return found
    .sort((a, b) => a.mtimeMs - b.mtimeMs)
    .slice(0, MAX_SEGMENTS)
    .map((f) => f.file);
}

function meanAbsDiff(a: Uint8Array, b: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
}

/** A run of binary PPMs (ffmpeg's image2pipe), one picture each. */
export function parsePpms(buf: Buffer): { rgb: Buffer; width: number; height: number }[] {
  const out: { rgb: Buffer; width: number; height: number }[] = [];
  for (let at = 0; at < buf.length; ) {
    const p = parsePpm(buf.subarray(at));
    out.push(p);
    at += ppmHeader(buf.subarray(at))!.length + p.rgb.length;
  }
  return out;
}

const ppmHeader = (buf: Buffer) => /^P6\s+(\d+)\s+(\d+)\s+255\s/.exec(buf.subarray(0, 64).toString('latin1'))?.[0];

/** Binary PPM (P6, maxval 255) as an RGB24 picture. */
export function parsePpm(buf: Buffer): { rgb: Buffer; width: number; height: number } {
  const head = /^P6\s+(\d+)\s+(\d+)\s+255\s/.exec(buf.subarray(0, 64).toString('latin1'));
  if (!head) throw new Error('ffmpeg did not return a PPM picture');
  const width = Number(head[1]);
  const height = Number(head[2]);
  const rgb = buf.subarray(head[0].length, head[0].length + width * height * 3);
  if (rgb.length !== width * height * 3) throw new Error(`PPM of ${width}x${height} cut short`);
  return { rgb: Buffer.from(rgb), width, height };
}

/** {@link runTool} for binary output (ffmpeg writing raw pictures to stdout). */
async function runToolBuffer(cmd: string, args: string[], timeoutMs: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  await runTool(cmd, args, { timeoutMs, what: 'ffmpeg taking a still', onStdout: (c) => chunks.push(c) });
  return Buffer.concat(chunks);
}
