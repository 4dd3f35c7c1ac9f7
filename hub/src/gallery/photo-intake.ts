import sharp, { type Metadata, type OutputInfo } from 'sharp';
import { HubError } from '../errors';
import { describeType, sniff } from '../evidence/sniff';

/** Bytes a gallery photo may have. */
export const MAX_PHOTO_BYTES = 10 * 1024 * 1024;
/** Pixels a gallery photo may have (4096 × 4096): plenty for a face, and a bounded decode. */
export const MAX_PHOTO_PIXELS = 4096 * 4096;
/** Photo jobs that may wait for the pool; beyond this the hub answers 503 at once. */
const MAX_WAITING = 8;

export interface CleanPhoto {
  /** Re-encoded by the hub: no metadata (EXIF, GPS, XMP, ICC comments) survives. */
  data: Buffer;
  type: 'image/jpeg' | 'image/png';
  width: number;
  height: number;
}

/**
 * Gallery photos from browsers: JPEG or PNG only (sniffed from the bytes), bounded in bytes and
 * in pixels (read from the header BEFORE anything is decoded), then decoded and re-encoded in a
 * pool of their own. Decoding runs on libuv's thread pool, which password hashing (argon2) also
 * uses: by letting at most `slots` photo jobs run at once, the others always stay free for logins
 * and device authentication (issue: four concurrent hostile photos once stalled logins ~100 s).
 */
export class PhotoIntake {
  private running = 0;
  private waiting: (() => void)[] = [];

  constructor(private slots = 1) {
    // One libvips thread per image: a photo job then occupies one core, not all of them.
    sharp.concurrency(1);
  }

  /** Checks type and size from the bytes and header only; throws a clear refusal. Cheap. */
  async inspect(image: Buffer): Promise<{ type: CleanPhoto['type']; width: number; height: number }> {
    if (!image.length) throw new HubError('bad_request', 'send the photo as the request body (a JPEG or PNG)');
    const type = sniff(image.subarray(0, 16));
    if (type !== 'image/jpeg' && type !== 'image/png') {
      throw new HubError('unsupported_media_type', `gallery photos must be JPEG or PNG; this is ${describeType(type)}`);
    }
    let meta: Metadata;
    try {
      meta = await sharp(image, { limitInputPixels: false }).metadata(); // reads the header only
    } catch (e) {
      throw new HubError('bad_request', `the photo could not be read as an image: ${(e as Error).message}`);
    }
    const { width = 0, height = 0 } = meta;
    if (!width || !height) throw new HubError('bad_request', 'the photo has no size in its header');
    if (width * height > MAX_PHOTO_PIXELS) {
      const why =
        `the photo is ${width} × ${height} pixels; ` + `at most ${MAX_PHOTO_PIXELS} pixels (4096 × 4096) are taken`;
      throw new HubError('payload_too_large', why);
    }
    return { type, width, height };
  }

  /**
   * Runs `job` with the photo re-encoded (orientation applied, metadata dropped), in the pool.
   * PNG stays PNG and JPEG stays JPEG, so the stored type is the type served.
   */
  async process<T>(image: Buffer, job: (clean: CleanPhoto) => Promise<T>): Promise<T> {
    const { type } = await this.inspect(image);
    return this.inPool(async () => {
      const base = sharp(image, { limitInputPixels: MAX_PHOTO_PIXELS, failOn: 'error', sequentialRead: true }).rotate();
      let out: { data: Buffer; info: OutputInfo };
      try {
        const encoder = type === 'image/png' ? base.png({ compressionLevel: 6 }) : base.jpeg({ quality: 92 });
        out = await encoder.toBuffer({ resolveWithObject: true });
      } catch (e) {
        throw new HubError('bad_request', `the photo could not be decoded: ${(e as Error).message}`);
      }
      return job({ data: out.data, type, width: out.info.width, height: out.info.height });
    });
  }

  private async inPool<T>(fn: () => Promise<T>): Promise<T> {
    if (this.running >= this.slots) {
      if (this.waiting.length >= MAX_WAITING) {
        throw new HubError('unavailable', 'too many photos are being processed; try again shortly');
      }
      await new Promise<void>((r) => this.waiting.push(r));
    }
    this.running++;
    try {
      return await fn();
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }
}

/** Reads a request body up to `max` bytes; one byte more and it stops reading and refuses. */
export async function readLimited(body: ReadableStream<Uint8Array> | null, max: number): Promise<Buffer> {
  if (!body) return Buffer.alloc(0);
  const parts: Uint8Array[] = [];
  let total = 0;
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > max) {
      // Not cancel(): that would reset the connection and could lose the answer.
      reader.releaseLock();
      throw new HubError('payload_too_large', `photos are limited to ${max} bytes`);
    }
    parts.push(value);
  }
  return Buffer.concat(parts);
}
