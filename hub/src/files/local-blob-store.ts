import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { HubError } from '../errors';
import type { BlobStore } from './blob-store';

/** One path segment: no separators, and never `.` or `..` (a segment cannot start with a dot). */
const SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,199}$/;

/** Opens, fsyncs and closes a file or directory, so what was written or renamed there is durable. */
export async function fsyncPath(p: string) {
  const fh = await fs.promises.open(p, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * The blob store in a local directory — on one machine its own disk, in cluster mode a mount
 * every replica shares. Directories are made 0700 and files 0600 (personal data: the hub's user
 * only).
 */
export class LocalBlobStore implements BlobStore {
  readonly type = 'local' as const;

  constructor(readonly root: string) {
    fs.mkdirSync(root, { recursive: true, mode: 0o700 });
  }

  localPath(key: string): string {
    const parts = key.split('/');
    if (!parts.every((p) => SEGMENT.test(p))) {
      throw new HubError('bad_request', 'invalid file name');
    }
    return path.join(this.root, ...parts);
  }

  async size(key: string): Promise<number | null> {
    try {
      return (await fs.promises.stat(this.localPath(key))).size;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  async writeAt(key: string, offset: number, body: AsyncIterable<Buffer>, check: (chunk: Buffer) => void) {
    const file = this.localPath(key);
    await fs.promises.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    // O_CREAT without O_APPEND or O_TRUNC: bytes land where the offset says, whoever wrote before.
    const fh = await fs.promises.open(file, fs.constants.O_WRONLY | fs.constants.O_CREAT, 0o600);
    let written = 0;
    try {
      for await (const chunk of body) {
        check(chunk);
        let done = 0;
        while (done < chunk.length) {
          const { bytesWritten } = await fh.write(chunk, done, chunk.length - done, offset + written + done);
          done += bytesWritten;
        }
        written += chunk.length;
      }
    } finally {
      // Durable before anyone is told the new offset (also what arrived before a refusal or a cut).
      await fh.sync().catch(() => undefined);
      await fh.close();
    }
    return written;
  }

  async put(key: string, data: Buffer) {
    const file = this.localPath(key);
    await fs.promises.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    const tmp = `${file}.${crypto.randomUUID()}.tmp`;
    try {
      await fs.promises.writeFile(tmp, data, { mode: 0o600, flush: true });
      await fs.promises.rename(tmp, file);
    } catch (err) {
      await fs.promises.rm(tmp, { force: true });
      throw err;
    }
    await fsyncPath(path.dirname(file));
  }

  async head(key: string, length: number): Promise<Buffer> {
    const fh = await fs.promises.open(this.localPath(key), 'r');
    try {
      const b = Buffer.alloc(length);
      const { bytesRead } = await fh.read(b, 0, length, 0);
      return b.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  }

  read(key: string): Promise<Buffer> {
    return fs.promises.readFile(this.localPath(key));
  }

  async sha256(key: string): Promise<string> {
    const h = crypto.createHash('sha256');
    for await (const chunk of fs.createReadStream(this.localPath(key))) h.update(chunk as Buffer);
    return h.digest('hex');
  }

  async publish(from: string, to: string): Promise<boolean> {
    const target = this.localPath(to);
    try {
      await fs.promises.rename(this.localPath(from), target);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
    await fsyncPath(path.dirname(target));
    return true;
  }

  async delete(key: string) {
    await fs.promises.rm(this.localPath(key), { force: true });
  }

  async deleteAll(prefix: string) {
    await fs.promises.rm(this.localPath(prefix), { recursive: true, force: true });
  }
}
