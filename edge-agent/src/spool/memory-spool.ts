import { sha256 } from '../evidence/hash';
import { readFileSync } from 'node:fs';
import {
  FILE_NAME,
  SpoolError,
  type RefusedFile,
  type Spool,
  type SpoolFileInput,
  type SpoolItem,
  type SpoolItemInput,
  type SpoolStatus,
  type SpoolUsage,
} from './types';
import { Waiters } from './waiters';

interface Entry<T> {
  item: SpoolItem<T>;
  data: Map<string, Buffer>;
  payloadBytes: number;
}

/**
 * A spool in memory, with the same contract and quota policy as {@link SqliteSpool} but nothing
 * durable: for tests of code that consumes a spool (the uplink), never for production.
 * File paths are null (contents are held in memory, see {@link MemorySpool.read}).
 */
export class MemorySpool<T = unknown> implements Spool<T> {
  private entries: Entry<T>[] = [];
  private seq = 0;
  private evictedFiles = 0;
  private evictedItems = 0;
  private lastLevel: SpoolStatus['level'] | undefined;
  private readonly waiters = new Waiters();
  private closed = false;

  constructor(
    private readonly opts: {
      quotaBytes: number;
      warnRatio?: number;
      onStatus?: (s: SpoolStatus) => void;
      now?: () => number;
    },
  ) {}

  async enqueue(input: SpoolItemInput<T>, files: SpoolFileInput[] = []): Promise<SpoolItem<T>> {
    if (this.closed) throw new SpoolError('closed', 'spool is closed');
    const existing = this.get(input.id);
    if (existing) return existing;
    const data = new Map<string, Buffer>();
    for (const f of files) {
      if (!FILE_NAME.test(f.name) || data.has(f.name))
        throw new SpoolError('bad_file_name', `bad or duplicate file name "${f.name}"`);
      if (!f.path === !f.data) throw new SpoolError('bad_file', `file "${f.name}" needs exactly one of path or data`);
      const bytes = f.data ?? readFileSync(f.path!);
      if (f.sha256 && f.sha256 !== sha256(bytes))
        throw new SpoolError('hash_mismatch', `file "${f.name}" has SHA-256 ${sha256(bytes)}, expected ${f.sha256}`);
      data.set(f.name, Buffer.from(bytes));
    }
    const payload = JSON.stringify(input.payload);
    const item: SpoolItem<T> = {
      seq: ++this.seq,
      id: input.id,
      kind: input.kind,
      payload: JSON.parse(payload) as T,
      createdAt: this.now(),
      deliveredAt: null,
      files: [...data]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, b]) => ({
          name,
          path: null,
          bytes: b.length,
          sha256: sha256(b),
          uploadedAt: null,
          evictedAt: null,
          refusedAt: null,
          refusedReason: null,
          purgedAt: null,
        })),
    };
    this.entries.push({ item, data, payloadBytes: Buffer.byteLength(payload) });
    this.evictOverQuota();
    this.reportLevel();
    this.waiters.wake();
    return structuredClone(item);
  }

  /** The bytes of a kept file. */
  read(id: string, name: string): Buffer | undefined {
    return this.entries.find((e) => e.item.id === id)?.data.get(name);
  }

  peek(): SpoolItem<T> | undefined {
    const e = this.entries.find((x) => x.item.deliveredAt === null);
    return e && structuredClone(e.item);
  }

  async next(signal?: AbortSignal): Promise<SpoolItem<T>> {
    for (;;) {
      if (this.closed) throw new SpoolError('closed', 'spool is closed');
      const head = this.peek();
      if (head) return head;
      await this.waiters.wait(signal);
    }
  }

  get(id: string): SpoolItem<T> | undefined {
    const e = this.entries.find((x) => x.item.id === id);
    return e && structuredClone(e.item);
  }

  markDelivered(id: string): boolean {
    const e = this.entries.find((x) => x.item.id === id && x.item.deliveredAt === null);
    if (!e) return false;
    e.item.deliveredAt = this.now();
    this.reportLevel();
    return true;
  }

  markFileUploaded(id: string, name: string): boolean {
    const f = this.entries
      .find((x) => x.item.id === id)
      ?.item.files.find((x) => x.name === name && x.uploadedAt === null);
    if (!f) return false;
    f.uploadedAt = this.now();
    return true;
  }

  markFileRefused(id: string, name: string, reason: string, opts: { purge?: boolean } = {}): boolean {
    const f = this.entries.find((x) => x.item.id === id)?.item.files.find((x) => x.name === name);
    if (!f) return false;
    f.refusedAt = this.now();
    f.refusedReason = reason.slice(0, 500);
    if (opts.purge) this.purgeFiles(id, reason);
    return true;
  }

  purgeFiles(id: string, _reason: string): number {
    const e = this.entries.find((x) => x.item.id === id);
    if (!e) return 0;
    let n = 0;
    for (const f of e.item.files) {
      if (!e.data.has(f.name)) continue;
      e.data.delete(f.name);
      f.purgedAt = this.now();
      n++;
    }
    this.reportLevel();
    return n;
  }

  refused(limit = 50): RefusedFile[] {
    return this.entries
      .flatMap((e) =>
        e.item.files
          .filter((f) => f.refusedAt !== null)
          .map((f) => ({
            itemId: e.item.id,
            name: f.name,
            reason: f.refusedReason ?? '',
            refusedAt: f.refusedAt!,
            purged: f.purgedAt !== null,
          })),
      )
      .sort((a, b) => b.refusedAt - a.refusedAt)
      .slice(0, limit);
  }

  usage(): SpoolUsage {
    let bytes = 0;
    for (const e of this.entries) bytes += e.payloadBytes + [...e.data.values()].reduce((n, b) => n + b.length, 0);
    const ratio = bytes / this.opts.quotaBytes;
    return {
      bytes,
      quotaBytes: this.opts.quotaBytes,
      ratio,
      items: this.entries.length,
      undelivered: this.entries.filter((e) => e.item.deliveredAt === null).length,
      level: ratio > (this.opts.warnRatio ?? 0.8) ? 'warning' : 'ok',
      evictedFiles: this.evictedFiles,
      evictedItems: this.evictedItems,
      refusedFiles: this.entries.reduce((n, e) => n + e.item.files.filter((f) => f.refusedAt !== null).length, 0),
    };
  }

  close(): void {
    this.closed = true;
    this.waiters.wake();
  }

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  /** Same four steps as the SQLite spool's `nextEviction`. */
  private evictOverQuota(): void {
    while (this.usage().bytes > this.opts.quotaBytes) {
      // Step 1 takes only files safe on the hub (delivered, not refused); step 2 the rest.
      const safe = (e: Entry<T>, name: string) =>
        e.item.deliveredAt !== null && !e.item.files.find((f) => f.name === name)?.refusedAt;
      const pick = (step1: boolean) => {
        for (const e of this.entries) {
          const name = [...e.data.keys()].sort().find((n) => safe(e, n) === step1);
          if (name) return { media: e, name };
        }
        return undefined;
      };
      const found = pick(true) ?? pick(false);
      if (found) {
        const { media, name } = found;
        media.data.delete(name);
        media.item.files.find((f) => f.name === name)!.evictedAt = this.now();
        this.evictedFiles++;
        continue;
      }
      const record = this.entries.findIndex((e) => e.item.deliveredAt !== null);
      const index = Math.max(record, 0);
      if (this.entries.length === 0) break;
      this.entries.splice(index, 1);
      this.evictedItems++;
    }
  }

  private reportLevel(): void {
    const usage = this.usage();
    if (usage.level === this.lastLevel) return;
    this.lastLevel = usage.level;
    this.opts.onStatus?.({ level: usage.level, usage });
  }
}
