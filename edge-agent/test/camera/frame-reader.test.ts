import { describe, expect, it } from 'vitest';
import { FrameReader, SPARE_FRAMES, type Frame } from '../../src/camera/frame-reader';

function frameBytes(n: number, w: number, h: number): Buffer {
  return Buffer.alloc(w * h * 3, n);
}

describe('FrameReader', () => {
  it('emits exact frames however the pipe chunks them', () => {
    const frames: Frame[] = [];
    const reader = new FrameReader(
      'door',
      4,
      2,
      (f) => frames.push(f),
      () => 1234,
    );
    const stream = Buffer.concat([frameBytes(1, 4, 2), frameBytes(2, 4, 2), frameBytes(3, 4, 2)]); // 3 x 24 bytes
    // chunks: a partial frame, a chunk spanning two boundaries, a 1-byte chunk, the rest
    for (const [a, b] of [
      [0, 10],
      [10, 50],
      [50, 51],
      [51, 72],
    ])
      reader.feed(stream.subarray(a, b));
    expect(frames.map((f) => [...new Set(f.rgb)])).toEqual([[1], [2], [3]]);
    expect(frames[0]).toMatchObject({ cameraId: 'door', width: 4, height: 2, capturedAt: 1234 });
    expect(frames.every((f) => f.rgb.length === 24)).toBe(true);
    expect(reader.pending).toBe(0);
  });

  it('keeps a partial frame until it completes, and drops it on reset', () => {
    const frames: Frame[] = [];
    const reader = new FrameReader('door', 2, 2, (f) => frames.push(f));
    reader.feed(Buffer.alloc(5, 9));
    expect(frames).toHaveLength(0);
    expect(reader.pending).toBe(5);
    reader.reset();
    reader.feed(frameBytes(7, 2, 2));
    expect(frames).toHaveLength(1);
    expect([...new Set(frames[0].rgb)]).toEqual([7]);
  });

  it('gives each frame its own buffer', () => {
    const frames: Frame[] = [];
    const reader = new FrameReader('door', 1, 1, (f) => frames.push(f));
    reader.feed(Buffer.from([1, 1, 1, 2, 2, 2]));
    expect(frames[0].rgb).not.toBe(frames[1].rgb);
    expect([...frames[0].rgb]).toEqual([1, 1, 1]);
  });

  it('reuses the buffer of a released frame, and never the buffer of a frame still held', () => {
    const frames: Frame[] = [];
    const reader = new FrameReader('door', 1, 1, (f) => frames.push(f));
    reader.feed(Buffer.from([1, 1, 1, 2, 2, 2])); // frames 0 and 1
    frames[0]!.release!();
    frames[0]!.release!(); // twice: must not enter the pool twice
    reader.feed(Buffer.from([3, 3, 3, 4, 4, 4, 5, 5, 5])); // frames 2, 3, 4
    // Frame 1 is held: its pixels stay; frame 0's buffer came back for exactly one later frame.
    expect([...frames[1]!.rgb]).toEqual([2, 2, 2]);
    const reusedBy = frames.slice(2).filter((f) => f.rgb === frames[0]!.rgb);
    expect(reusedBy).toHaveLength(1);
    expect(new Set(frames.slice(1).map((f) => f.rgb)).size).toBe(4);
    expect(reader.allocated).toBe(5); // 5 frames + the one filling would take 6 buffers: one was reused
  });

  it('runs on a few buffers when every frame is released', () => {
    const reader = new FrameReader('door', 8, 8, (f) => f.release!());
    for (let i = 0; i < 100; i++) reader.feed(Buffer.alloc(8 * 8 * 3, i));
    expect(reader.frames).toBe(100);
    expect(reader.allocated).toBeLessThanOrEqual(2);
    expect(SPARE_FRAMES).toBeGreaterThanOrEqual(2);
  });

  it('does not take back a buffer given away to another thread', () => {
    const frames: Frame[] = [];
    const reader = new FrameReader('door', 1, 1, (f) => frames.push(f));
    reader.feed(Buffer.from([1, 1, 1]));
    structuredClone(frames[0]!.rgb.buffer, { transfer: [frames[0]!.rgb.buffer] }); // detaches it
    frames[0]!.release!();
    reader.feed(Buffer.from([2, 2, 2, 3, 3, 3]));
    expect(frames.slice(1).map((f) => [...f.rgb])).toEqual([
      [2, 2, 2],
      [3, 3, 3],
    ]);
  });
});
