import { Writable } from 'node:stream';

/** One decoded detection frame. Lives in memory only; it is never written to disk by ingest. */
export interface Frame {
  cameraId: string;
  /** `width * height * 3` bytes, RGB, row-major, no padding. */
  rgb: Buffer;
  width: number;
  height: number;
  /** Wall-clock milliseconds when the frame's last byte arrived. */
  capturedAt: number;
  /**
   * Hands `rgb` back to the reader for a later frame (issue 15: a fresh 1.3 MB buffer per frame
   * kept the main thread ~28 % in GC). Call it once nothing will read `rgb` again; after the call
   * the pixels may be overwritten at any time. Idempotent. A frame never released (kept as
   * evidence) is simply garbage-collected, so keeping one is always safe; releasing one still in
   * use is the bug to avoid. Absent on frames not made by a reader.
   */
  release?: () => void;
}

/**
 * Released buffers kept for reuse per reader: a frame in the motion gate, one in flight and one
 * waiting per camera, with one to spare. More are dropped (garbage-collected) rather than hoarded.
 */
export const SPARE_FRAMES = 4;

/**
 * Cuts ffmpeg's `rawvideo rgb24` stdout into exact frames of `width * height * 3` bytes, however
 * the pipe happens to chunk it (a chunk may hold part of a frame, or several frames and a part).
 *
 * @example
 * const reader = new FrameReader('door', 384, 288, (f) => detector.push(f));
 * ffmpeg.stdout.pipe(reader);
 */
export class FrameReader extends Writable {
  readonly frameBytes: number;
  private current: Buffer;
  private filled = 0;
  /** Buffers of released frames, reused before anything new is allocated. */
  private readonly spare: Buffer[] = [];
  frames = 0;
  /** Frame buffers allocated (the rest were reused): tests and the bench read it. */
  allocated = 1;

  constructor(
    readonly cameraId: string,
    readonly width: number,
    readonly height: number,
    private readonly onFrame: (frame: Frame) => void,
    private readonly now: () => number = Date.now,
  ) {
    super();
    this.frameBytes = width * height * 3;
    this.current = Buffer.allocUnsafe(this.frameBytes);
  }

  /** Bytes of an unfinished frame held right now. */
  get pending(): number {
    return this.filled;
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    this.feed(chunk);
    done();
  }

  /** Feeds bytes directly (also used by tests). */
  feed(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length) {
      const n = Math.min(this.frameBytes - this.filled, chunk.length - offset);
      chunk.copy(this.current, this.filled, offset, offset + n);
      this.filled += n;
      offset += n;
      if (this.filled === this.frameBytes) {
        const rgb = this.current;
        // Never the buffer of a frame still out: consumers may keep a frame while the next one fills.
        this.current = this.spare.pop() ?? this.allocate();
        this.filled = 0;
        this.frames++;
        this.onFrame({
          cameraId: this.cameraId,
          rgb,
          width: this.width,
          height: this.height,
          capturedAt: this.now(),
          release: this.releaser(rgb),
        });
      }
    }
  }

  private allocate(): Buffer {
    this.allocated++;
    return Buffer.allocUnsafe(this.frameBytes);
  }

  /** Once only: a second release would put one buffer in the pool twice, and two frames would share it. */
  private releaser(rgb: Buffer): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      // A buffer transferred to another thread is detached (length 0): nothing to reuse.
      if (rgb.length === this.frameBytes && this.spare.length < SPARE_FRAMES) this.spare.push(rgb);
    };
  }

  /** Drops a partial frame (after ffmpeg restarts, its bytes belong to nothing). */
  reset(): void {
    this.filled = 0;
  }
}
