/**
 * A small reader of fragmented MP4 (ISO/IEC 14496-12), the wire format of the live view: the
 * edge agent cuts ffmpeg's output into an init segment (`ftyp`+`moov`) and media fragments
 * (`moof`+`mdat`), the hub checks every piece before relaying it, and both need the codec string
 * and whether a fragment starts with a key frame. It lives here, beside the message schemas,
 * because it is the one definition of that framing for both sides. It never trusts a size field:
 * every box must fit inside its parent, and anything else throws {@link Mp4Error}.
 */
export class Mp4Error extends Error {}

export interface Mp4Box {
  type: string;
  /** Offset of the box header in the buffer. */
  start: number;
  /** Offset of the box payload (after size, type and any 64-bit size). */
  body: number;
  /** Offset just past the box. */
  end: number;
}

/** Reads the boxes laid side by side in `buf[from, to)`; throws unless they fill it exactly. */
export function readBoxes(buf: Uint8Array, from = 0, to = buf.length): Mp4Box[] {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const boxes: Mp4Box[] = [];
  let at = from;
  while (at < to) {
    const head = boxHeader(view, buf, at, to);
    if (!head) throw new Mp4Error(`truncated box header at ${at}`);
    if (head.end > to) throw new Mp4Error(`box "${head.type}" at ${at} runs past its parent (${head.end} > ${to})`);
    boxes.push(head);
    at = head.end;
  }
  return boxes;
}

/** The header of the box at `at`, or null when fewer bytes than its header are there. */
export function boxHeader(view: DataView, buf: Uint8Array, at: number, limit = buf.length): Mp4Box | null {
  if (limit - at < 8) return null;
  let size = view.getUint32(at);
  const type = String.fromCharCode(buf[at + 4]!, buf[at + 5]!, buf[at + 6]!, buf[at + 7]!);
  let body = at + 8;
  if (size === 1) {
    if (limit - at < 16) return null;
    const big = view.getBigUint64(at + 8);
    if (big > BigInt(Number.MAX_SAFE_INTEGER)) throw new Mp4Error(`box "${type}" is impossibly large`);
    size = Number(big);
    body = at + 16;
  } else if (size === 0) {
    // "extends to the end of the file": a stream has no end, so a live segment never uses it.
    throw new Mp4Error(`box "${type}" without a size cannot be framed in a stream`);
  }
  if (size < body - at) throw new Mp4Error(`box "${type}" at ${at} has a size (${size}) smaller than its header`);
  if (!/^[\x20-\x7e]{4}$/.test(type)) throw new Mp4Error(`box at ${at} has a non-printable type`);
  return { type, start: at, body, end: at + size };
}

function child(buf: Uint8Array, parent: Mp4Box, type: string, skip = 0): Mp4Box | undefined {
  return readBoxes(buf, parent.body + skip, parent.end).find((b) => b.type === type);
}

function path(buf: Uint8Array, root: Mp4Box, ...types: string[]): Mp4Box | undefined {
  let box: Mp4Box | undefined = root;
  for (const t of types) {
    if (!box) return undefined;
    // stsd has a version/flags word and an entry count before its children (8 bytes);
    // avc1 is a VisualSampleEntry with 78 bytes of fields before its children.
    const skip = box.type === 'stsd' ? 8 : box.type === 'avc1' || box.type === 'avc3' ? 78 : 0;
    box = child(buf, box, t, skip);
  }
  return box;
}

export interface InitInfo {
  /** RFC 6381 codec string, e.g. `avc1.64001f`, for `MediaSource.isTypeSupported`. */
  codec: string;
  /** The MIME type a browser's SourceBuffer is created with. */
  mime: string;
  /** Default sample flags of the video track (`trex`), used when a fragment names none. */
  defaultSampleFlags: number;
}

/** Checks an init segment (`ftyp` then `moov`, H.264 video) and reads its codec. */
export function inspectInit(buf: Uint8Array): InitInfo {
  const top = readBoxes(buf);
  if (top[0]?.type !== 'ftyp') throw new Mp4Error('an init segment starts with "ftyp"');
  const moov = top.find((b) => b.type === 'moov');
  if (!moov) throw new Mp4Error('an init segment needs a "moov" box');
  if (top.some((b) => b.type === 'moof' || b.type === 'mdat')) throw new Mp4Error('an init segment carries no media');
  const trak = readBoxes(buf, moov.body, moov.end).find((b) => b.type === 'trak');
  const stsd = trak && path(buf, trak, 'mdia', 'minf', 'stbl', 'stsd');
  if (!stsd) throw new Mp4Error('the init segment has no sample description');
  const entry = readBoxes(buf, stsd.body + 8, stsd.end)[0];
  if (!entry || (entry.type !== 'avc1' && entry.type !== 'avc3')) {
    throw new Mp4Error(`only H.264 is relayed; the stream is "${entry?.type ?? 'empty'}"`);
  }
  const avcC = child(buf, entry, 'avcC', 78);
  if (!avcC || avcC.end - avcC.body < 4) throw new Mp4Error('the H.264 sample entry has no avcC box');
  const hex = (n: number) => n.toString(16).padStart(2, '0');
  // avcC: configurationVersion, AVCProfileIndication, profile_compatibility, AVCLevelIndication.
  const codec = `${entry.type}.${hex(buf[avcC.body + 1]!)}${hex(buf[avcC.body + 2]!)}${hex(buf[avcC.body + 3]!)}`;
  const trex = path(buf, moov, 'mvex', 'trex');
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  // trex: version/flags, track_ID, default_sample_description_index, duration, size, flags.
  const defaultSampleFlags = trex && trex.end - trex.body >= 24 ? view.getUint32(trex.body + 20) : 0;
  return { codec, mime: `video/mp4; codecs="${codec}"`, defaultSampleFlags };
}

export interface FragmentInfo {
  /** `mfhd` sequence number: consecutive fragments count up by one. */
  sequence: number;
  /** True when the first sample is a sync sample: a viewer can start (or resume) here. */
  keyframe: boolean;
}

/** Checks a media fragment (`moof` then `mdat`, optionally after `styp`/`prft`/`sidx`). */
export function inspectFragment(buf: Uint8Array, defaultSampleFlags = 0): FragmentInfo {
  const top = readBoxes(buf);
  const moofAt = top.findIndex((b) => b.type === 'moof');
  if (moofAt < 0 || top[moofAt + 1]?.type !== 'mdat') {
    throw new Mp4Error('a fragment is a "moof" followed by an "mdat"');
  }
  if (top.some((b) => b.type === 'ftyp' || b.type === 'moov')) throw new Mp4Error('a fragment carries no init boxes');
  const moof = top[moofAt]!;
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const mfhd = child(buf, moof, 'mfhd');
  if (!mfhd || mfhd.end - mfhd.body < 8) throw new Mp4Error('the fragment has no mfhd box');
  const sequence = view.getUint32(mfhd.body + 4);
  const traf = child(buf, moof, 'traf');
  const tfhd = traf && child(buf, traf, 'tfhd');
  const trun = traf && child(buf, traf, 'trun');
  if (!tfhd || !trun) throw new Mp4Error('the fragment has no track run');
  return { sequence, keyframe: !(firstSampleFlags(view, tfhd, trun, defaultSampleFlags) & 0x10000) };
}

/** Flags of a fragment's first sample: trun's first_sample_flags, its per-sample flags, tfhd's or trex's default. */
function firstSampleFlags(view: DataView, tfhd: Mp4Box, trun: Mp4Box, fallback: number): number {
  const need = (box: Mp4Box, at: number) => {
    if (at + 4 > box.end) throw new Mp4Error(`the ${box.type} box is truncated`);
    return view.getUint32(at);
  };
  const trunFlags = need(trun, trun.body) & 0xffffff;
  let at = trun.body + 8; // version/flags, sample_count
  if (trunFlags & 0x1) at += 4; // data_offset
  if (trunFlags & 0x4) return need(trun, at); // first_sample_flags
  if (trunFlags & 0x400) {
    at += (trunFlags & 0x100 ? 4 : 0) + (trunFlags & 0x200 ? 4 : 0);
    return need(trun, at);
  }
  const tfhdFlags = need(tfhd, tfhd.body) & 0xffffff;
  if (tfhdFlags & 0x20) {
    let f = tfhd.body + 8; // version/flags, track_ID
    f += (tfhdFlags & 0x1 ? 8 : 0) + (tfhdFlags & 0x2 ? 4 : 0) + (tfhdFlags & 0x8 ? 4 : 0) + (tfhdFlags & 0x10 ? 4 : 0);
    return need(tfhd, f);
  }
  return fallback;
}

export type Segment = { kind: 'init'; data: Uint8Array } | { kind: 'fragment'; data: Uint8Array };

/**
 * Cuts a byte stream (ffmpeg's stdout) into whole segments: the leading `ftyp`+`moov` become the
 * init segment, every `moof`+`mdat` pair (with any boxes just before it) one fragment. Bytes are
 * copied once per segment; a box larger than `maxBoxBytes` throws instead of growing without end.
 */
export class Mp4Splitter {
  private buf: Uint8Array = new Uint8Array(0);
  /** Chunks not yet joined to `buf`: joined only once enough bytes are there for the next step. */
  private parts: Uint8Array[] = [];
  private partsBytes = 0;
  private need = 8;
  private pending: Uint8Array[] = [];
  private initDone = false;

  constructor(private maxBoxBytes = 8 * 1024 * 1024) {}

  push(chunk: Uint8Array): Segment[] {
    this.parts.push(chunk);
    this.partsBytes += chunk.length;
    // Joining every small chunk onto a growing buffer would cost O(n²) for a box arriving in
    // many pieces; wait until the header or the whole box can be there.
    if (this.buf.length + this.partsBytes < this.need) return [];
    this.buf = concat([this.buf, ...this.parts]);
    this.parts = [];
    this.partsBytes = 0;
    const view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    const out: Segment[] = [];
    let at = 0;
    this.need = 8;
    for (;;) {
      const head = boxHeader(view, this.buf, at);
      if (!head) break;
      if (head.end - head.start > this.maxBoxBytes) {
        throw new Mp4Error(`box "${head.type}" is larger than ${this.maxBoxBytes} bytes`);
      }
      if (head.end > this.buf.length) {
        this.need = head.end - at;
        break;
      }
      this.pending.push(this.buf.subarray(head.start, head.end));
      at = head.end;
      const held = this.pending.reduce((n, p) => n + p.length, 0);
      if (held > 2 * this.maxBoxBytes) throw new Mp4Error(`${held} bytes without a complete segment`);
      if (!this.initDone && head.type === 'moov') {
        out.push({ kind: 'init', data: concat(this.pending) });
        this.pending = [];
        this.initDone = true;
      } else if (this.initDone && head.type === 'mdat') {
        out.push({ kind: 'fragment', data: concat(this.pending) });
        this.pending = [];
      }
    }
    // Keep only the unread tail; segments already emitted are copies, so the rest can go.
    this.pending = this.pending.map((p) => p.slice());
    this.buf = this.buf.slice(at);
    return out;
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
