import { describe, expect, it } from 'vitest';
import { FrameReader, type Frame } from '../../src/camera/frame-reader';

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
});
