/** A built page of `GET /api/alerts`: its bytes (gzipped when `gzip`) and the next page's cursor. */
export interface BuiltPage {
  body: Uint8Array<ArrayBuffer>;
  gzip: boolean;
  nextCursor: string | null;
}

/**
 * The last built bytes of each listing (who asks, which filter, gzip or not) with the version of
 * the database they were read at. A control-room console polls the same page again and again;
 * while nothing was committed since, the listing worker only compares versions, and the event
 * loop sends the bytes it already holds: no page built, gzipped or copied again.
 *
 * The version is SQLite's `data_version` of the worker's connection, which changes with every
 * commit of another connection (any table: alerts, events, receipts, provisioning), so a page is
 * never served once anything it could show has changed. Pages are shared, never written to.
 */
export class ListedPageCache {
  private pages = new Map<string, { version: string; page: BuiltPage }>();
  private size = 0;

  /** `budget`: bytes kept at most, least recently listed dropped first; `max`: pages kept at most. */
  constructor(
    private budget = 64 * 1024 * 1024,
    private max = 32,
  ) {}

  /** The page held for `key` and the version it was read at (now the most recently used). */
  latest(key: string): { version: string; page: BuiltPage } | undefined {
    const e = this.pages.get(key);
    if (!e) return undefined;
    this.pages.delete(key); // re-inserted: the Map's order is the order of last use
    this.pages.set(key, e);
    return e;
  }

  set(key: string, version: string, page: BuiltPage) {
    this.drop(key);
    this.pages.set(key, { version, page });
    this.size += page.body.byteLength;
    for (const oldest of this.pages.keys()) {
      if (this.size <= this.budget && this.pages.size <= this.max) break;
      this.drop(oldest);
    }
  }

  /** The worker is gone: versions of its connection mean nothing to the next one. */
  clear() {
    this.pages.clear();
    this.size = 0;
  }

  get bytes() {
    return this.size;
  }

  private drop(key: string) {
    const e = this.pages.get(key);
    if (!e) return;
    this.size -= e.page.body.byteLength;
    this.pages.delete(key);
  }
}
