import { renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fsyncDir, fsyncFile } from '../durable-fs';
import { sha256File } from './hash';
import { readMp4Info } from './mp4-info';
import type { Segment, SegmentRing } from './segment-ring';
import { JOIN_TIMEOUT_MS, PROBE_TIMEOUT_MS, runTool, ToolError } from './tool';

export interface ClipRequest {
  ring: SegmentRing;
  /** Wall-clock ms of the moment of interest (the matched frame's `capturedAt`). */
  captureMs: number;
  preRollSeconds: number;
  postRollSeconds: number;
  segmentSeconds: number;
  /** Where to write the clip (`.mp4`; written under a temporary name, fsynced, renamed). */
  outFile: string;
  ffmpegPath?: string;
  /** Give up waiting for the post-roll this long after it should have been recorded. */
  graceMs?: number;
  /** Kill the joining ffmpeg after this long (default {@link JOIN_TIMEOUT_MS}). */
  joinTimeoutMs?: number;
}

export interface Clip {
  file: string;
  sha256: string;
  bytes: number;
  /** Real duration, from the clip's own MP4 header (`mvhd`). */
  durationSeconds: number;
  /** The camera's own codec (`h264`, `hevc`): the clip is stream-copied, never re-encoded. */
  codec: string;
  width: number;
  height: number;
  /** Wall-clock span of the segments used (a little wider than asked: cuts fall on key frames). */
  startMs: number;
  endMs: number;
  /** The span asked for: [capture − pre-roll, capture + post-roll]. */
  fromMs: number;
  toMs: number;
  /** False when footage is missing in the asked span (the camera was away). */
  complete: boolean;
  segments: number;
}

export class ClipError extends Error {
  constructor(
    readonly code: 'no_footage' | 'ffmpeg_failed' | 'timeout',
    message: string,
  ) {
    super(message);
    this.name = 'ClipError';
  }
}

/**
 * Waits for the post-roll, then joins the rolling buffer's segments covering
 * [capture − pre-roll, capture + post-roll] with ffmpeg's concat demuxer and `-c copy` into one
 * MP4 (the camera's bitstream, bit for bit), fsyncs it, hashes it (SHA-256) and reads its codec,
 * size and duration from its own `moov` box (no ffprobe run: issue 15, evidence CPU).
 *
 * @example
 * const clip = await cutClip({ ring, captureMs: frame.capturedAt, preRollSeconds: 10,
 *   postRollSeconds: 10, segmentSeconds: 2, outFile: '/spool/tmp/clip.mp4' });
 * clip.sha256; clip.durationSeconds; // ≈ 20–24
 */
export async function cutClip(req: ClipRequest): Promise<Clip> {
  const fromMs = req.captureMs - req.preRollSeconds * 1000;
  const toMs = req.captureMs + req.postRollSeconds * 1000;
  const segMs = req.segmentSeconds * 1000;
  // Exactly the span asked for: `covering` picks the same segments, and nothing more of the
  // buffer (which records everybody) outlives its window.
  const release = req.ring.hold(fromMs, toMs);
  const list = `${req.outFile}.ffconcat`;
  const tmp = `${req.outFile}.tmp-${process.pid}.mp4`;
  try {
    await waitForPostRoll(req.ring, toMs, toMs + 3 * segMs + (req.graceMs ?? 10_000));
    const segments = req.ring.covering(fromMs, toMs);
    if (segments.length === 0)
      throw new ClipError(
        'no_footage',
        `no footage between ${new Date(fromMs).toISOString()} and ${new Date(toMs).toISOString()}`,
      );
    writeFileSync(list, concatList(segments));
    try {
      await runTool(
        req.ffmpegPath ?? 'ffmpeg',
        [
          '-hide_banner',
          '-nostdin',
          '-loglevel',
          'error',
          '-y',
          '-f',
          'concat',
          '-safe',
          '0',
          '-i',
          list,
          '-map',
          '0:v:0',
          '-c',
          'copy',
          '-movflags',
          '+faststart',
          '-f',
          'mp4',
          tmp,
        ],
        { timeoutMs: req.joinTimeoutMs ?? JOIN_TIMEOUT_MS, what: 'ffmpeg joining the segments' },
      );
    } catch (err) {
      const code = err instanceof ToolError && err.code === 'timeout' ? 'timeout' : 'ffmpeg_failed';
      throw new ClipError(code, `ffmpeg could not join the segments: ${(err as Error).message}`);
    }
    fsyncFile(tmp);
    renameSync(tmp, req.outFile);
    fsyncDir(dirname(req.outFile));
    let info: ReturnType<typeof readMp4Info>;
    try {
      info = readMp4Info(req.outFile);
    } catch (err) {
      throw new ClipError('ffmpeg_failed', `ffmpeg wrote an unreadable clip: ${(err as Error).message}`);
    }
    const sha256 = await sha256File(req.outFile);
    return {
      file: req.outFile,
      sha256,
      bytes: statSync(req.outFile).size,
      ...info,
      startMs: segments[0].startMs,
      endMs: segments.at(-1)!.endMs,
      fromMs,
      toMs,
      complete: isComplete(segments, fromMs, toMs),
      segments: segments.length,
    };
  } finally {
    release();
    rmSync(list, { force: true });
    rmSync(tmp, { force: true });
  }
}

/** Resolves once a finished segment reaches `toMs`, or at `deadlineMs` with whatever there is. */
async function waitForPostRoll(ring: SegmentRing, toMs: number, deadlineMs: number): Promise<void> {
  for (;;) {
    const now = Date.now();
    if (now >= toMs && ring.segments().some((s) => s.endMs >= toMs)) return;
    if (now >= deadlineMs) return;
    await new Promise((r) => setTimeout(r, Math.min(250, Math.max(10, toMs - now))));
  }
}

/** An ffconcat script; paths are quoted as the concat demuxer expects. */
export function concatList(segments: Segment[]): string {
  return `ffconcat version 1.0\n${segments.map((s) => `file '${s.file.replace(/'/g, "'\\''")}'\n`).join('')}`;
}

/** No hole longer than a second, and the ends reach the asked span. */
function isComplete(segments: Segment[], fromMs: number, toMs: number): boolean {
  if (segments[0].startMs > fromMs + 1000 || segments.at(-1)!.endMs < toMs - 1000) return false;
  return segments.every((s, i) => i === 0 || s.startMs - segments[i - 1].endMs < 1000);
}

/**
 * Codec, size and real duration of a file's first video stream. ffprobe is killed after
 * `timeoutMs` (issue 17.6: a hung probe must not hold a clip, or the agent, forever).
 * @throws {ClipError} `timeout` or `ffmpeg_failed`
 */
export async function probeVideo(
  file: string,
  ffprobePath = 'ffprobe',
  timeoutMs = PROBE_TIMEOUT_MS,
): Promise<{ codec: string; width: number; height: number; durationSeconds: number }> {
  let stdout: string;
  try {
    stdout = await runTool(
      ffprobePath,
      [
        '-v',
        'error',
        '-select_streams',
        'v:0',
        '-show_entries',
        'stream=codec_name,width,height:format=duration',
        '-of',
        'json',
        file,
      ],
      { timeoutMs, what: 'ffprobe' },
    );
  } catch (err) {
    const code = err instanceof ToolError && err.code === 'timeout' ? 'timeout' : 'ffmpeg_failed';
    throw new ClipError(code, (err as Error).message);
  }
  const j = JSON.parse(stdout) as {
    streams: Array<{ codec_name: string; width: number; height: number }>;
    format: { duration: string };
  };
  const s = j.streams[0];
  if (!s) throw new ClipError('ffmpeg_failed', `no video stream in ${file}`);
  return { codec: s.codec_name, width: s.width, height: s.height, durationSeconds: Number(j.format.duration) };
}
