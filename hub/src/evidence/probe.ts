import { spawn } from 'node:child_process';

export interface ClipCheck {
  ok: boolean;
  /** Why the clip is refused, for the custody log and the device's error. */
  reason?: string;
  codec?: string;
  width?: number;
  height?: number;
  durationSeconds?: number;
}

/**
 * Reads a complete clip with ffprobe and accepts it only if it is an MP4 with an H.264 video
 * stream. A hostile file must not hold the hub: ffprobe is killed after `timeoutMs` and the clip
 * is then refused. ffprobe reads the file only (no network protocols are allowed).
 */
export function checkClip(file: string, opts: { timeoutMs?: number; ffprobePath?: string } = {}): Promise<ClipCheck> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  return new Promise((resolve) => {
    const args = [
      '-v',
      'error',
      '-protocol_whitelist',
      'file',
      '-print_format',
      'json',
      '-show_format',
      '-show_streams',
      file,
    ];
    const child = spawn(opts.ffprobePath ?? 'ffprobe', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let done = false;
    const finish = (r: ClipCheck) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(r);
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish({ ok: false, reason: `ffprobe did not read the clip within ${timeoutMs} ms` });
    }, timeoutMs);
    // Bound what a crafted file can make ffprobe print.
    child.stdout.on('data', (d: Buffer) => (out.length < 1_000_000 ? (out += d) : child.kill('SIGKILL')));
    child.stderr.on('data', (d: Buffer) => (err.length < 4000 ? (err += d) : undefined));
    child.on('error', (e) => finish({ ok: false, reason: `ffprobe could not run: ${e.message}` }));
    child.on('close', (code) => {
      const first = err.trim().split('\n')[0] || `exit ${code}`;
      if (code !== 0) return finish({ ok: false, reason: `not a readable video: ${first}` });
      try {
        finish(judge(JSON.parse(out)));
      } catch {
        finish({ ok: false, reason: 'ffprobe gave no usable description of the clip' });
      }
    });
  });
}

type Probe = {
  format?: { format_name?: string; duration?: string };
  streams?: { codec_type?: string; codec_name?: string; width?: number; height?: number }[];
};

/** The decision, as data (tested without ffprobe too). */
export function judge(p: Probe): ClipCheck {
  const formats = (p.format?.format_name ?? '').split(',');
  if (!formats.includes('mp4')) {
    return { ok: false, reason: `the clip is ${p.format?.format_name ?? 'of no known format'}, not MP4` };
  }
  const video = (p.streams ?? []).find((s) => s.codec_type === 'video');
  if (!video) return { ok: false, reason: 'the clip holds no video stream' };
  if (video.codec_name !== 'h264') {
    return { ok: false, reason: `the clip's video is ${video.codec_name ?? 'unknown'}, not H.264` };
  }
  const duration = Number(p.format?.duration);
  const durationSeconds = Number.isFinite(duration) ? duration : undefined;
  return { ok: true, codec: 'h264', width: video.width, height: video.height, durationSeconds };
}
