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
}

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
  frames = 0;

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
        // A fresh buffer per frame: consumers may keep a frame while the next one fills.
        this.current = Buffer.allocUnsafe(this.frameBytes);
        this.filled = 0;
        this.frames++;
        this.onFrame({ cameraId: this.cameraId, rgb, width: this.width, height: this.height, capturedAt: this.now() });
      }
    }
  }

  /** Drops a partial frame (after ffmpeg restarts, its bytes belong to nothing). */
  reset(): void {
    this.filled = 0;
  }
}
