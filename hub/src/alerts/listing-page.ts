import type { Principal } from '../auth/principal';
import type { NewAlert, Repository } from '../storage/repository';
import type { AlertService, PageFilter } from './service';

/**
 * The JSON of one alert as listed (with timeline, deliveries and undelivered), remembered while
 * nothing it is made of changes. A console lists the same 500 alerts again and again; with a
 * large fleet each carries thousands of device ids, and serialising them all every time was most
 * of a listing's cost (and of its garbage).
 */
export class ListedAlertCache {
  private entries = new Map<string, { key: string; json: string }>();
  private size = 0;

  /** `budget`: characters kept at most (~2 bytes each); the least recently listed go first. */
  constructor(private budget = 32 * 1024 * 1024) {}

  get(id: string, key: string): string | undefined {
    const e = this.entries.get(id);
    if (!e || e.key !== key) return undefined;
    this.entries.delete(id); // re-inserted: the Map's order is the order of last use
    this.entries.set(id, e);
    return e.json;
  }

  set(id: string, key: string, json: string) {
    this.drop(id);
    this.entries.set(id, { key, json });
    this.size += json.length;
    for (const oldest of this.entries.keys()) {
      if (this.size <= this.budget) break;
      this.drop(oldest);
    }
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
    this.size -= e.json.length;
    this.entries.delete(id);
  }
}

/**
 * One page of `GET /api/alerts` as a JSON text, read in three queries (alerts, their timelines,
 * their receipts) and built from the cache where an alert is unchanged. Same alerts, order,
 * scope and fields as AlertService.page, which stays the one place that decides them.
 */
export async function listingPageJson(
  alerts: AlertService,
  repo: Repository,
  cache: ListedAlertCache,
  principal: Principal,
  filter: PageFilter,
): Promise<{ json: string; nextCursor: string | null }> {
  const { rows, nextCursor } = await alerts.pageRows(principal, filter);
  const ids = rows.map((a) => a.id);
  const [timelines, deliveries] = [await repo.timelines(ids), await repo.deliveries(ids)];
  const parts: string[] = [];
  for (const row of rows) {
    const timeline = timelines.get(row.id) ?? [];
    const got = deliveries.get(row.id) ?? [];
    const key = versionOf(row, timeline.at(-1)?.seq ?? 0, timeline.length, got);
    let json = cache.get(row.id, key);
    if (json === undefined) {
      const [full] = await alerts.withDeliveries([{ ...row, timeline }], new Map([[row.id, got]]));
      json = JSON.stringify(full);
      cache.set(row.id, key, json);
    }
    parts.push(json);
  }
  return { json: `[${parts.join(',')}]`, nextCursor };
}

/**
 * What a listed alert is made of, in a few dozen characters: its row (status, priority, outcome
 * ... change it), its timeline (append-only: the last seq and the count), and its receipts (rows
 * are only added, and a receipt only ever raises its lastSeq, so count and sum change with each).
 */
function versionOf(row: NewAlert, lastSeq: number, events: number, got: { lastSeq: number }[]): string {
  let sum = 0;
  for (const d of got) sum += d.lastSeq;
  return `${JSON.stringify(row)}|${lastSeq}|${events}|${got.length}|${sum}`;
}
