/**
 * Where the hub keeps files that are not rows: evidence (crops, frames, clips, with their partial
 * uploads) and gallery photos. Keys are relative paths of safe segments (`evidence/c-1/crop.jpg`);
 * callers build them from ids the protocol's patterns already checked, and the store checks them
 * again, so a key can never leave the store.
 *
 * One implementation today, the local directory (local-blob-store.ts). In cluster mode every
 * replica mounts the SAME directory (NFS or another shared file system) — see hub/src/files/README.md
 * for why that is safe: writes go to an explicit offset and are fsynced before they are
 * acknowledged, a file is only published after its SHA-256 matched, and the resume offset of an
 * upload is read from the file itself, never from one process's memory.
 */
export interface BlobStore {
  readonly type: 'local';
  /** Size in bytes, or null when there is no such blob. */
  size(key: string): Promise<number | null>;
  /**
   * Writes `body` starting at byte `offset` (positional writes, not appends: two replicas writing
   * the same bytes at the same offset leave the same file) and fsyncs before it resolves. Each
   * chunk passes `check` first, which throws to refuse it; what was written before stays.
   * Resolves with the bytes written; rejects with the error of `check`, of the body or of the disk.
   */
  writeAt(key: string, offset: number, body: AsyncIterable<Buffer>, check: (chunk: Buffer) => void): Promise<number>;
  /** Writes a whole blob at once: to a temporary name, fsynced, then renamed over `key`. */
  put(key: string, data: Buffer): Promise<void>;
  /** The first `length` bytes (fewer if the blob is shorter). */
  head(key: string, length: number): Promise<Buffer>;
  read(key: string): Promise<Buffer>;
  sha256(key: string): Promise<string>;
  /**
   * Moves `from` to `to` and makes the move durable. False when `from` is gone (another replica
   * published it first), so the caller can tell that from a failure.
   */
  publish(from: string, to: string): Promise<boolean>;
  delete(key: string): Promise<void>;
  /** Deletes every blob under a prefix (`evidence/c-1`). */
  deleteAll(prefix: string): Promise<void>;
  /**
   * A path on this machine that tools which only take a file (ffprobe, the export's zip writer)
   * may read. The local store gives the blob's own file.
   */
  localPath(key: string): string;
}
