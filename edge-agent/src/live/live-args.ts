import type { CameraConfig } from '../config';

export interface LiveArgsOptions {
  /** Longest fragment in milliseconds; shorter fragments mean lower latency (default 200). */
  fragmentMs?: number;
  /** RTSP socket I/O timeout: a silent camera ends ffmpeg instead of hanging it. */
  ioTimeoutSeconds?: number;
  /** `fast`: trust the SDP for the codec parameters; `safe`: probe the stream for 1 s. */
  probe?: 'fast' | 'safe';
}

/** Input options: RTSP over the camera's configured transport (TCP by default), or a looped file. */
function input(camera: CameraConfig, ioTimeoutSeconds: number, probe: 'fast' | 'safe'): string[] {
  const rtsp = /^rtsps?:\/\//i.test(camera.url);
  return [
    ...(rtsp
      ? ['-rtsp_transport', camera.rtspTransport, '-timeout', String(Math.round(ioTimeoutSeconds * 1e6))]
      : ['-re', '-stream_loop', '-1']),
    // Probing delays the first picture. Cameras announce SPS/PPS in the SDP (sprop-parameter-sets),
    // so a fast start needs no probing at all (measured: init segment after ~0.26 s instead of
    // ~1 s); a camera that does not gets a second try with 1 s of probing. `-fflags nobuffer` is
    // left out on purpose: it throws away the frames read while probing, so the first fragment
    // waits for the next key frame (measured: +1 s at a 1 s GOP).
    ...(probe === 'fast'
      ? ['-analyzeduration', '0', '-probesize', '32']
      : ['-analyzeduration', '1000000', '-probesize', '1000000']),
    '-i',
    camera.url,
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
    '-hide_banner',
    '-nostdin',
    '-loglevel',
    'error',
    ...input(camera, opts.ioTimeoutSeconds ?? 5, opts.probe ?? 'fast'),
    '-map',
    '0:v:0',
    '-c:v',
    'copy',
    '-an',
    '-sn',
    '-dn',
    '-f',
    'mp4',
    '-movflags',
    'empty_moov+default_base_moof+frag_keyframe',
    '-frag_duration',
    String(Math.round((opts.fragmentMs ?? 200) * 1000)),
    'pipe:1',
  ];
}

/**
 * One JPEG of the camera for the device board: the first decodable frame, scaled to `width`
 * (height follows the aspect ratio), on stdout. Decoding one frame of the sub-stream is cheap.
 */
export function buildThumbnailArgs(camera: CameraConfig, width = 320, ioTimeoutSeconds = 5): string[] {
  return [
    '-hide_banner',
    '-nostdin',
    '-loglevel',
    'error',
    ...input(camera, ioTimeoutSeconds, 'safe'),
    '-map',
    '0:v:0',
    '-frames:v',
    '1',
    '-vf',
    `scale=${width}:-2`,
    '-c:v',
    'mjpeg',
    '-q:v',
    '5',
    '-f',
    'image2pipe',
    'pipe:1',
  ];
}
