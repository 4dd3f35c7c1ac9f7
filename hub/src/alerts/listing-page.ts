import type { Principal } from '../auth/principal';
import type { AlertProgress, ListingReads } from '../storage/listing-reads';
import type { NewAlert, Repository } from '../storage/repository';
import type { PagePart } from './listing-gzip';
import type { AlertService, PageFilter } from './service';

/**
 * The JSON of one alert as listed (with timeline, deliveries and undelivered), as UTF-8 bytes,
 * remembered while nothing it is made of changes. A console lists the same 500 alerts again and
 * again; with a large fleet each carries thousands of device ids, and serialising and encoding
 * them all every time was most of a listing's cost (and of its garbage).
 */
export class ListedAlertCache {
  private entries = new Map<string, { key: string; json: Buffer; serial: number }>();
  private size = 0;
  /** Numbers each JSON built, so that other caches (listing-gzip.ts) can key on it in a few bytes. */
  private serials = 0;

  /** `budget`: bytes kept at most; the least recently listed go first. */
  constructor(private budget = 64 * 1024 * 1024) {}

  get(id: string, key: string): { json: Buffer; serial: number } | undefined {
    const e = this.entries.get(id);
    if (!e || e.key !== key) return undefined;
    this.entries.delete(id); // re-inserted: the Map's order is the order of last use
    this.entries.set(id, e);
    return e;
  }

  /** Remembers the JSON of `id` at `key`; returns its serial, never given to another JSON. */
  set(id: string, key: string, json: Buffer): { json: Buffer; serial: number } {
    this.drop(id);
    const e = { key, json, serial: ++this.serials };
    this.entries.set(id, e);
    this.size += json.byteLength;
    for (const oldest of this.entries.keys()) {
      if (this.size <= this.budget) break;
      this.drop(oldest);
    }
    return e;
  }

  /** Recipients changed (provisioning): every cached `undelivered` list may be wrong. */
  clear() {
    this.entries.clear();
    this.size = 0;
  }

  get count() {
    return this.entries.size;
  }

  private drop(id: string) {
    const e = this.entries.get(id);
    if (!e) return;
    this.size -= e.json.byteLength;
    this.entries.delete(id);
  }
}

/**
 * One page of `GET /api/alerts`: the JSON of each alert in listing order (see pageJson). The
 * alerts and how far each has got (events, receipts) are read first; timelines and receipts are
 * then read, in one query each, only for the alerts whose listed JSON is not cached for exactly
 * that state. Same alerts, order, scope
 * and fields as AlertService.page, which stays the one place that decides them. A receipt that
 * lands between the reads makes the JSON newer than its key: the next listing sees a new key and
 * builds it again, so a listing is never older than its first read.
 */
export async function listingPageParts(
  alerts: AlertService,
  repo: Repository,
  reads: ListingReads,
  cache: ListedAlertCache,
  principal: Principal,
  filter: PageFilter,
): Promise<{ parts: PagePart[]; nextCursor: string | null }> {
  const { rows, nextCursor } = await alerts.pageRows(principal, filter);
  const progress = reads.progress(rows.map((a) => a.id));
  const keys = rows.map((row) => versionOf(row, progress.get(row.id)));
  const parts = rows.map((row, i) => cache.get(row.id, keys[i]!));
  const missing = rows.filter((_, i) => parts[i] === undefined);
  if (missing.length) {
    const ids = missing.map((a) => a.id);
    const [timelines, deliveries] = [await repo.timelines(ids), await repo.deliveries(ids)];
    const built = await alerts.withDeliveries(
      missing.map((a) => ({ ...a, timeline: timelines.get(a.id) ?? [] })),
      deliveries,
    );
    const byId = new Map(built.map((a) => [a.id, a]));
    rows.forEach((row, i) => {
      if (parts[i] !== undefined) return;
      parts[i] = cache.set(row.id, keys[i]!, Buffer.from(JSON.stringify(byId.get(row.id))));
    });
  }
  return { parts: rows.map((row, i) => ({ id: row.id, ...parts[i]! })), nextCursor };
}

const [OPEN, COMMA, CLOSE] = ['[', ',', ']'].map((c) => Buffer.from(c)) as [Buffer, Buffer, Buffer];

/** The page as plain JSON: one copy of the cached bytes, no 4 MB string to build and encode again. */
export function pageJson(parts: PagePart[]): Buffer {
  const pieces: Buffer[] = [OPEN];
  for (let i = 0; i < parts.length; i++) {
    if (i) pieces.push(COMMA);
    pieces.push(parts[i]!.json);
  }
  pieces.push(CLOSE);
  return Buffer.concat(pieces);
}

/**
 * What a listed alert is made of, in a few hundred characters: its row (status, priority,
 * outcome ... change it) and how far its timeline (append-only) and receipts have got.
 */
function versionOf(row: NewAlert, p: AlertProgress | undefined): string {
  return `${JSON.stringify(row)}|${p?.events}|${p?.lastSeq}|${p?.receipts}|${p?.receiptSeqSum}`;
}
