import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/** What a clip's record says about it: the camera's codec, its picture size and real duration. */
export interface Mp4Info {
  codec: string;
  width: number;
  height: number;
  durationSeconds: number;
}

/** Sample-entry types of the codecs a camera sends, by the names ffprobe gives them. */
const CODECS: Record<string, string> = { avc1: 'h264', avc3: 'h264', hvc1: 'hevc', hev1: 'hevc', mp4v: 'mpeg4' };
/** A clip's `moov` is a few kB per minute; anything far bigger is not a clip we wrote. */
const MAX_MOOV_BYTES = 16 * 1024 * 1024;

/**
 * Reads codec, size and duration of the first video track from an MP4's `moov` box (issue 15:
 * this replaced one ffprobe process per clip, ~0.05 CPU-s, with a few small reads). The clip is
 * our own ffmpeg's output (`-movflags +faststart`: `moov` first), but any box order is handled.
 * @throws Error when the file has no `moov`, no video track, or a box that runs past its parent
 */
export function readMp4Info(file: string): Mp4Info {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    let at = 0;
    while (at + 8 <= size) {
      const head = Buffer.alloc(16);
      readSync(fd, head, 0, 16, at);
      let boxSize = head.readUInt32BE(0);
      const type = head.toString('latin1', 4, 8);
      let headerSize = 8;
      if (boxSize === 1) {
        boxSize = Number(head.readBigUInt64BE(8));
        headerSize = 16;
      } else if (boxSize === 0) boxSize = size - at;
      if (boxSize < headerSize || at + boxSize > size) throw new Error(`MP4 box ${type} runs past the end of the file`);
      if (type === 'moov') {
        if (boxSize > MAX_MOOV_BYTES) throw new Error(`MP4 moov of ${boxSize} bytes`);
        const moov = Buffer.alloc(boxSize - headerSize);
        readSync(fd, moov, 0, moov.length, at + headerSize);
        return fromMoov(moov);
      }
      at += boxSize;
    }
    throw new Error('no moov box: not a finished MP4');
  } finally {
    closeSync(fd);
  }
}

/** Parses the content of a `moov` box. */
export function fromMoov(moov: Buffer): Mp4Info {
  const mvhd = child(moov, 'mvhd');
  if (!mvhd) throw new Error('MP4 without mvhd');
  const v1 = mvhd[0] === 1;
  const timescale = mvhd.readUInt32BE(v1 ? 20 : 12);
  const duration = v1 ? Number(mvhd.readBigUInt64BE(24)) : mvhd.readUInt32BE(16);
  for (const trak of children(moov, 'trak')) {
    const mdia = child(trak, 'mdia');
    const hdlr = mdia && child(mdia, 'hdlr');
    if (!mdia || hdlr?.toString('latin1', 8, 12) !== 'vide') continue;
    const stsd = child(child(child(mdia, 'minf') ?? Buffer.alloc(0), 'stbl') ?? Buffer.alloc(0), 'stsd');
    // stsd: version/flags, entry count, then the first sample entry (a box of its own).
    if (!stsd || stsd.length < 8 + 8 + 28) throw new Error('MP4 video track without a sample description');
    const entry = stsd.subarray(8);
    const fourcc = entry.toString('latin1', 4, 8);
    // Visual sample entry: 6 reserved, data ref index (2), 16 pre-defined/reserved, width, height.
    return {
      codec: CODECS[fourcc] ?? fourcc,
      width: entry.readUInt16BE(8 + 24),
      height: entry.readUInt16BE(8 + 26),
      durationSeconds: timescale > 0 ? duration / timescale : 0,
    };
  }
  throw new Error('MP4 without a video track');
}

/** The content of the first direct child box of type `type`. */
function child(parent: Buffer, type: string): Buffer | undefined {
  return children(parent, type).next().value ?? undefined;
}

function* children(parent: Buffer, type: string): Generator<Buffer> {
  let at = 0;
  while (at + 8 <= parent.length) {
    const size = parent.readUInt32BE(at);
    const headerSize = size === 1 ? 16 : 8;
    const boxSize = size === 1 ? Number(parent.readBigUInt64BE(at + 8)) : size === 0 ? parent.length - at : size;
    if (boxSize < headerSize || at + boxSize > parent.length) throw new Error('MP4 box runs past its parent');
    if (parent.toString('latin1', at + 4, at + 8) === type) yield parent.subarray(at + headerSize, at + boxSize);
    at += boxSize;
  }
}
