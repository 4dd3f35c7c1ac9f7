import { join } from 'node:path';
import type { CameraConfig } from '../config';

export interface FfmpegArgsOptions {
  /** Rolling-buffer directory of this camera. */
  segmentDir: string;
  segmentSeconds: number;
  /**
   * Distinguishes the files of one ffmpeg run from the previous one's, so that a restart within
   * the same second never overwrites a segment (letters and digits only).
   */
  runTag: string;
  /** RTSP socket I/O timeout; a silent peer then ends ffmpeg instead of hanging it. */
  ioTimeoutSeconds?: number;
  loglevel?: 'error' | 'warning' | 'info';
}

/**
 * `<runTag>-<index>.ts`, e.g. `m1a2b3-000042.ts`. Index names never collide (strftime names of
 * one-second resolution could, when a cut follows a timestamp jump); the wall-clock span comes
 * from the file's mtime and the list's durations instead.
 */
export const SEGMENT_NAME = /^([a-z0-9]+)-(\d{6,})\.ts$/;

/** The segment muxer's list of finished segments: `name,start,end` (stream seconds) per line. */
export function segmentListPath(dir: string, runTag: string): string {
  return join(dir, `${runTag}.csv`);
}

/**
 * The argv (without the program) of the ONE ffmpeg process that serves a camera:
 *
 * 1. a stream-copy branch: the camera's own video bitstream (`-c:v copy`, never re-encoded) cut
 *    into MPEG-TS segments of `segmentSeconds` (at the next key frame), numbered per run, with a
 *    CSV list of the latest finished segments and their durations;
 * 2. a decode branch: `fps=<detectFps>`, scaled to `detectSize`, raw `rgb24` frames on stdout.
 *
 * Audio is left out: evidence is the picture, and MPEG-TS cannot carry the G.711 audio many
 * cameras send.
 *
 * @example
 * buildFfmpegArgs(camera, { segmentDir: '/dev/shm/ring/door', segmentSeconds: 2, runTag: 'r1' })
 * // ['-hide_banner', ..., '-rtsp_transport', 'tcp', ..., '-i', 'rtsp://...', ..., 'pipe:1']
 */
export function buildFfmpegArgs(camera: CameraConfig, opts: FfmpegArgsOptions): string[] {
  if (!/^[a-z0-9]+$/.test(opts.runTag)) throw new Error(`runTag must be [a-z0-9]+: ${opts.runTag}`);
  const { width, height } = camera.detectSize;
  const input = (url: string) => [
    ...(/^rtsps?:\/\//i.test(url)
      ? [
          '-rtsp_transport',
          camera.rtspTransport,
          // ffmpeg >= 5: `-timeout` is the RTSP socket I/O timeout in microseconds (was -stimeout).
          '-timeout',
          String(Math.round((opts.ioTimeoutSeconds ?? 5) * 1e6)),
        ]
      : // A file or other URL is replayed in real time and looped, like a camera.
        ['-re', '-stream_loop', '-1']),
    // 1 s of probing: enough for the SPS (usually in the SDP anyway), and a restarted camera is
    // back within backoff + ~1.5 s.
    '-analyzeduration',
    '1000000',
    '-probesize',
    '2000000',
    '-i',
    url,
  ];
  // Input 0 is decoded for detection; evidence comes from input 1 (recordUrl) when there is one.
  const record = camera.recordUrl ? '1:v:0' : '0:v:0';
  return [
    '-hide_banner',
    '-nostdin',
    '-loglevel',
    opts.loglevel ?? 'warning',
    ...input(camera.url),
    ...(camera.recordUrl ? input(camera.recordUrl) : []),
    // 1. recording branch: stream copy into the rolling buffer
    '-map',
    record,
    '-c:v',
    'copy',
    '-f',
    'segment',
    '-segment_time',
    String(opts.segmentSeconds),
    '-segment_format',
    'mpegts',
    '-segment_list',
    segmentListPath(opts.segmentDir, opts.runTag),
    '-segment_list_type',
    'csv',
    // Only the latest entries: the list is re-read every second and must not grow for days.
    '-segment_list_size',
    '64',
    // Every packet reaches the growing segment at once (not in 32 KiB bursts), so an evidence
    // still can be taken from the recorded stream the moment a match is confirmed.
    '-segment_format_options',
    'flush_packets=1',
    join(opts.segmentDir, `${opts.runTag}-%06d.ts`),
    // 2. detection branch: a few small rgb24 frames per second on stdout
    '-map',
    '0:v:0',
    '-an',
    '-sn',
    '-vf',
    `fps=${camera.detectFps},scale=${width}:${height}:flags=bilinear`,
    '-pix_fmt',
    'rgb24',
    '-f',
    'rawvideo',
    'pipe:1',
  ];
}
