/**
 * The outbox of the edge agent: every candidate (JSON) with its files (crop, frame, clip) waits
 * here until the hub acknowledges it. Implementations: {@link SqliteSpool} (durable, on disk)
 * and {@link MemorySpool} (for tests of code that uses a spool). Both pass `spoolContract`.
 */

export interface SpoolFileInput {
  /** File name within the item: letters, digits, `.`, `_`, `-` (e.g. `clip.mp4`, `crop.jpg`). */
  name: string;
  /** Copy this file into the spool... */
  path?: string;
  /** ...or store these bytes. */
  data?: Buffer;
  /** Expected SHA-256 (hex); enqueue fails if the stored copy differs. */
  sha256?: string;
}

export interface SpoolItemInput<T = unknown> {
  /** Idempotency key: enqueueing the same id again is a no-op that returns the stored item. */
  id: string;
  /** What the payload is (`candidate`, ...), for the uplink's dispatch. */
  kind: string;
  /** JSON-serialisable. */
  payload: T;
}

export interface SpoolFile {
  name: string;
  /** Absolute path while the file is kept; null once evicted. */
  path: string | null;
  bytes: number;
  sha256: string;
  uploadedAt: number | null;
  /** Set when the quota policy deleted the file; the hub should be told it is lost. */
  evictedAt: number | null;
  /**
   * Set when the hub refused the file for good (a 4xx other than "already complete"): it is not
   * on the hub, so it is never evicted as delivered, and it is not sent again. (Optional, like
   * the two below, only so that items built by hand in other packages' tests stay valid.)
   */
  refusedAt?: number | null;
  /** The hub's words, e.g. `410 gone: candidate is rejected; its evidence is deleted`. */
  refusedReason?: string | null;
  /** Set when the file was deleted because the hub said its media must go (a rejected candidate). */
  purgedAt?: number | null;
}

/** A file the hub refused, as the agent reports it (health.json, logs). */
export interface RefusedFile {
  itemId: string;
  name: string;
  reason: string;
  refusedAt: number;
  /** Deleted at the hub's word (privacy), or still kept here. */
  purged: boolean;
}

export interface SpoolItem<T = unknown> {
  /** Position in the queue (increasing in enqueue order). */
  seq: number;
  id: string;
  kind: string;
  payload: T;
  createdAt: number;
  deliveredAt: number | null;
  files: SpoolFile[];
}

export type SpoolLevel = 'ok' | 'warning';

export interface SpoolUsage {
  /** Payload JSON plus kept files, in bytes (SQLite's own overhead is not counted). */
  bytes: number;
  quotaBytes: number;
  /** bytes / quotaBytes */
  ratio: number;
  items: number;
  undelivered: number;
  /** `warning` above the warn ratio (default 80 %) of the quota. */
  level: SpoolLevel;
  /** Files and records removed by the quota policy since the spool was created. */
  evictedFiles: number;
  evictedItems: number;
  /** Files the hub refused for good (kept or purged). */
  refusedFiles: number;
}

export interface SpoolStatus {
  level: SpoolLevel;
  usage: SpoolUsage;
}

export interface Spool<T = unknown> {
  /** Stores the item and its files durably; resolves once both are on disk. */
  enqueue(item: SpoolItemInput<T>, files?: SpoolFileInput[]): Promise<SpoolItem<T>>;
  /** The oldest undelivered item, if any. */
  peek(): SpoolItem<T> | undefined;
  /**
   * Waits for the oldest undelivered item. Until it is marked delivered, every call returns the
   * same item (the uplink retries it with the same idempotency key); after, never again.
   */
  next(signal?: AbortSignal): Promise<SpoolItem<T>>;
  get(id: string): SpoolItem<T> | undefined;
  /** The hub acknowledged the item. Returns false if unknown or already delivered. */
  markDelivered(id: string): boolean;
  /** The hub acknowledged one file of the item. */
  markFileUploaded(id: string, name: string): boolean;
  /**
   * The hub refused one file for good: it stays (unless `purge`, when the hub says its media must
   * be deleted) with the reason, and is not sent again. Returns false if unknown.
   */
  markFileRefused(id: string, name: string, reason: string, opts?: { purge?: boolean }): boolean;
  /** Deletes every kept file of the item (its records stay, marked purged). Returns how many. */
  purgeFiles(id: string, reason: string): number;
  /** Refused files, newest first. */
  refused(limit?: number): RefusedFile[];
  usage(): SpoolUsage;
  close(): void;
}

/** SQL condition of a file row whose bytes are still on disk (not evicted, not purged). */
export const KEPT = 'evicted_at IS NULL AND purged_at IS NULL';

export const FILE_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}$/;

export class SpoolError extends Error {
  constructor(
    readonly code: 'bad_file_name' | 'bad_file' | 'hash_mismatch' | 'closed' | 'aborted',
    message: string,
  ) {
    super(message);
    this.name = 'SpoolError';
  }
}
