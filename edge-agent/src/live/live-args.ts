import type { CameraConfig } from '../config';

export interface LiveArgsOptions {
  /** Longest fragment in milliseconds; shorter fragments mean lower latency (default 200). */
  fragmentMs?: number;
  /** RTSP socket I/O timeout: a silent camera ends ffmpeg instead of hanging it. */
  ioTimeoutSeconds?: number;
}

/** Input options: RTSP over the camera's configured transport (TCP by default), or a looped file. */
function input(camera: CameraConfig, ioTimeoutSeconds: number): string[] {
  const rtsp = /^rtsps?:\/\//i.test(camera.url);
  return [
    ...(rtsp
      ? ['-rtsp_transport', camera.rtspTransport, '-timeout', String(Math.round(ioTimeoutSeconds * 1e6))]
      : ['-re', '-stream_loop', '-1']),
    // Short probing: the SPS/PPS are in the SDP or the first key frame, and every 100 ms of
    // probing is 100 ms more before the first picture.
    '-analyzeduration', '500000',
    '-probesize', '500000',
    '-fflags', 'nobuffer',
    '-i', camera.url,
  ];
}

/**
 * The argv (without the program) of a live view: the camera's stream (`url`, the sub-stream by
 * convention) stream-copied, never transcoded, to fragmented MP4 on stdout.
 *
 * - `empty_moov`: the init segment (`ftyp`+`moov`) comes first and holds no samples, so a
 *   browser's SourceBuffer can take it before any media;
 * - `default_base_moof`: sample offsets relative to each `moof`, as MSE requires;
 * - `frag_keyframe` + `-frag_duration`: a new fragment at every key frame and at least every
 *   `fragmentMs`, so a picture leaves the box ~200 ms after it arrived even with long GOPs.
 *
 * @example
 * buildLiveArgs({ url: 'rtsp://cam/sub', rtspTransport: 'tcp', ... })
 * // ['-hide_banner', ..., '-c:v', 'copy', '-an', '-f', 'mp4', '-movflags', 'empty_moov+...', 'pipe:1']
 */
export function buildLiveArgs(camera: CameraConfig, opts: LiveArgsOptions = {}): string[] {
  return [
    '-hide_banner', '-nostdin', '-loglevel', 'error',
    ...input(camera, opts.ioTimeoutSeconds ?? 5),
    '-map', '0:v:0',
    '-c:v', 'copy',
    '-an', '-sn', '-dn',
    '-f', 'mp4',
    '-movflags', 'empty_moov+default_base_moof+frag_keyframe',
    '-frag_duration', String(Math.round((opts.fragmentMs ?? 200) * 1000)),
    'pipe:1',
  ];
}

/**
 * One JPEG of the camera for the device board: the first decodable frame, scaled to `width`
 * (height follows the aspect ratio), on stdout. Decoding one frame of the sub-stream is cheap.
 */
export function buildThumbnailArgs(camera: CameraConfig, width = 320, ioTimeoutSeconds = 5): string[] {
  return [
    '-hide_banner', '-nostdin', '-loglevel', 'error',
    ...input(camera, ioTimeoutSeconds),
    '-map', '0:v:0',
    '-frames:v', '1',
    '-vf', `scale=${width}:-2`,
    '-c:v', 'mjpeg', '-q:v', '5',
    '-f', 'image2pipe',
    'pipe:1',
  ];
}
