import type { Principal } from '../auth/principal';
import type { ListedPage } from './listing';
import type { AlertService, PageFilter } from './service';

/** What the HTTP route and the hub's start steps need of an alert listing, on either engine. */
export interface AlertPages {
  page(principal: Principal, filter: PageFilter, gzip?: boolean): Promise<ListedPage>;
  stop(): Promise<void>;
}

/**
 * `GET /api/alerts` pages when the store of record is PostgreSQL (SHOPWATCH_DATABASE_URL). The
 * SQLite listing (listing.ts) reads the database file in a worker thread; here there is no file,
 * and the reading and filtering already run in the PostgreSQL server's own processes, so the page
 * is built on the event loop by AlertService.page, in time slices, from queries on the hub's pool.
 * Every replica lists from the same database, so a listing on any node shows every node's alerts.
 */
export class PostgresAlertListing implements AlertPages {
  constructor(
    private alerts: AlertService,
    /** Alerts whose timelines and receipts are read per query: one round trip each per batch. */
    private batch = 100,
  ) {}

  page(principal: Principal, filter: PageFilter): Promise<ListedPage> {
    return this.alerts.page(principal, filter, this.batch);
  }

  async stop() {}
}
