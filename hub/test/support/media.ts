import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';

export const sha = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');

/** A real JPEG of noise (each call differs), as an edge box's crop or frame would be. */
export function jpeg(width: number, height: number): Promise<Buffer> {
  const noise = { type: 'gaussian' as const, mean: 128, sigma: 40 };
  const create = { width, height, channels: 3 as const, background: '#808080', noise };
  return sharp({ create }).jpeg({ quality: 80 }).toBuffer();
}

const clips = new Map<string, Buffer>();

/**
 * A real MP4 made by ffmpeg (H.264 unless `codec` says otherwise), 2 s of test pattern. With
 * `bytes`, padded to that size by a trailing ISO `free` box — still a valid MP4 that ffprobe
 * reads — so tests can move large clips without encoding minutes of video.
 */
export function mp4(dir: string, opts: { bytes?: number; codec?: 'libx264' | 'mpeg4' } = {}): Buffer {
  const codec = opts.codec ?? 'libx264';
  let base = clips.get(codec);
  if (!base) {
    const out = path.join(dir, `base-${codec}.mp4`);
    const h264 = codec === 'libx264' ? ['-preset', 'ultrafast', '-pix_fmt', 'yuv420p'] : [];
    execFileSync('ffmpeg', [
      '-v',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      'testsrc=size=320x240:rate=10',
      '-t',
      '2',
      '-c:v',
      codec,
      ...h264,
      '-movflags',
      '+faststart',
      out,
    ]);
    base = fs.readFileSync(out);
    clips.set(codec, base);
  }
  if (!opts.bytes || opts.bytes <= base.length) return base;
  const pad = opts.bytes - base.length;
  if (pad < 8) throw new Error('pad at least 8 bytes');
  const box = Buffer.alloc(pad);
  box.writeUInt32BE(pad, 0);
  box.write('free', 4, 'latin1');
  crypto.randomFillSync(box, 8);
  return Buffer.concat([base, box]);
}
