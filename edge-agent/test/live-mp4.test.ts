import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { Mp4Error, Mp4Splitter, type Segment, inspectFragment, inspectInit, readBoxes } from '@shopwatch/protocols';
import { testVideo } from '../../scripts/demo/media';

const run = promisify(execFile);
let fmp4: Buffer;

/** ffmpeg's own fragmented MP4, made with the live view's muxer options from the camera-like test video. */
beforeAll(async () => {
  const { stdout } = await run(
    'ffmpeg',
    [
      '-hide_banner',
      '-nostdin',
      '-v',
      'error',
      '-i',
      await testVideo(),
      '-t',
      '4',
      '-map',
      '0:v:0',
      '-c:v',
      'copy',
      '-an',
      '-f',
      'mp4',
      '-movflags',
      'empty_moov+default_base_moof+frag_keyframe',
      '-frag_duration',
      '200000',
      'pipe:1',
    ],
    { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 },
  );
  fmp4 = stdout;
}, 60_000);

function splitInChunks(data: Buffer, sizes: () => number): Segment[] {
  const s = new Mp4Splitter();
  const out: Segment[] = [];
  for (let at = 0; at < data.length; ) {
    const n = Math.max(1, sizes());
    out.push(...s.push(data.subarray(at, at + n)));
    at += n;
  }
  return out;
}

describe('fragmented MP4 box reader', () => {
  it("cuts ffmpeg's output into an init segment and fragments, however the bytes arrive", () => {
    const whole = new Mp4Splitter().push(fmp4);
    let seed = 7;
    const random = splitInChunks(fmp4, () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % 5000);
    const bytewise = splitInChunks(fmp4, () => 1);
    expect(whole[0]!.kind).toBe('init');
    expect(whole.slice(1).every((s) => s.kind === 'fragment')).toBe(true);
    const hex = (list: Segment[]) => list.map((s) => Buffer.from(s.data).toString('hex'));
    expect(hex(random)).toEqual(hex(whole));
    expect(bytewise.map((s) => s.data.length)).toEqual(whole.map((s) => s.data.length));
    // Nothing lost: the segments are the stream, byte for byte (a file ends with an index, `mfra`,
    // that a live stream never reaches).
    const joined = Buffer.concat(whole.map((s) => s.data));
    expect(fmp4.subarray(0, joined.length).equals(joined)).toBe(true);
    expect(readBoxes(fmp4, joined.length).map((b) => b.type)).toEqual(['mfra']);
  });

  it('reads the codec string from avcC and finds the key frames (GOP 1 s, fragments of 200 ms)', async () => {
    const [init, ...frags] = new Mp4Splitter().push(fmp4);
    const info = inspectInit(init!.data);
    const { stdout } = await run('ffprobe', [
      '-v',
      'error',
      '-select_streams',
      'v:0',
      '-show_entries',
      'stream=profile,level',
      '-of',
      'json',
      await testVideo(),
    ]);
    const s = JSON.parse(stdout).streams[0];
    expect(s.profile).toBe('High');
    // High = 0x64, no constraint flags
    expect(info.codec).toBe(`avc1.6400${Number(s.level).toString(16).padStart(2, '0')}`);
    expect(info.mime).toBe(`video/mp4; codecs="${info.codec}"`);
    const parsed = frags.map((f) => inspectFragment(f.data, info.defaultSampleFlags));
    expect(parsed.map((p) => p.sequence)).toEqual(parsed.map((_, i) => i + 1));
    const keyIdx = parsed.flatMap((p, i) => (p.keyframe ? [i] : []));
    expect(keyIdx.length).toBeGreaterThanOrEqual(4); // one per second of the 4 s
    expect(keyIdx[0]).toBe(0);
    expect(keyIdx.length).toBeLessThan(parsed.length); // and the fragments between them are not key frames
  });

  it('refuses malformed or hostile input with an Mp4Error instead of reading past it', () => {
    const [init, frag] = new Mp4Splitter().push(fmp4);
    const box = (type: string, size: number, len = 8) => {
      const b = Buffer.alloc(len);
      b.writeUInt32BE(size, 0);
      b.write(type, 4, 'latin1');
      return b;
    };
    expect(() => readBoxes(box('ftyp', 100, 16))).toThrow(Mp4Error); // runs past its parent
    expect(() => readBoxes(box('ftyp', 4))).toThrow(/smaller than its header/);
    expect(() => readBoxes(box('mdat', 0))).toThrow(/without a size/);
    expect(() => readBoxes(Buffer.from([0, 0, 0, 8, 1, 2, 3, 4]))).toThrow(/non-printable/);
    expect(() => readBoxes(Buffer.from([0, 0, 0]))).toThrow(/truncated/);
    const huge = box('mdat', 1, 16);
    huge.writeBigUInt64BE(2n ** 60n, 8);
    expect(() => readBoxes(huge)).toThrow(Mp4Error);
    expect(() => inspectInit(frag!.data)).toThrow(/starts with "ftyp"/);
    expect(() => inspectFragment(init!.data)).toThrow(/"moof" followed by an "mdat"/);
    expect(() => inspectFragment(Buffer.concat([init!.data, frag!.data]))).toThrow(Mp4Error);
    // A 1 GB box header is refused at once, not buffered.
    expect(() => new Mp4Splitter(1024 * 1024).push(box('mdat', 2 ** 30))).toThrow(/larger than/);
    // Flipping the sample entry to MPEG-4 Part 2: only H.264 is relayed.
    const mp4v = Buffer.from(init!.data);
    mp4v.write('mp4v', mp4v.indexOf('avc1'), 'latin1');
    expect(() => inspectInit(mp4v)).toThrow(/only H.264/);
  });
});
