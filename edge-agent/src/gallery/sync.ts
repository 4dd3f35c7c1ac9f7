import { GallerySnapshot, type GalleryApplied } from '@shopwatch/protocols';
import type { Logger } from '../log';
import type { HubHttp } from '../uplink/files';
import type { GalleryStore } from './store';

/**
 * Fetches the scheme's gallery when the hub announces a new version (and at start), applies it
 * (memory and disk), then tells the hub what this box now holds. Expired templates are dropped
 * every few seconds even while the hub is unreachable.
 */
export class GalleryFollower {
  private wanted = 0;
  private running: Promise<void> | null = null;
  private timer: NodeJS.Timeout;

  constructor(
    private store: GalleryStore,
    private http: HubHttp,
    private report: (a: GalleryApplied) => Promise<void>,
    private log: Logger,
    expiryCheckMs = 5000,
  ) {
    this.timer = setInterval(() => {
      const n = this.store.expire(Date.now());
      if (n) this.log.info({ dropped: n }, 'expired gallery templates dropped');
    }, expiryCheckMs);
    this.timer.unref();
  }

  /** The hub announced `version`; fetch it unless we hold it already. */
  announce(version: number) {
    this.wanted = Math.max(this.wanted, version);
    if (version !== this.store.version) void this.refresh();
  }

  refresh(): Promise<void> {
    return (this.running ??= this.fetchAndApply().finally(() => (this.running = null)));
  }

  private async fetchAndApply() {
    try {
      const auth = `Basic ${Buffer.from(`${this.http.deviceId}:${this.http.secret}`).toString('base64')}`;
      const res = await fetch(`${this.http.baseUrl}/api/edge/gallery`, { headers: { authorization: auth } });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const { skipped, ...applied } = this.store.apply(GallerySnapshot.parse(await res.json()));
      this.log.info({ ...applied, skipped }, 'gallery applied');
      if (skipped) {
        this.log.error({ skipped: this.store.skipped }, 'gallery templates failed validation and are not matched');
      }
      await this.report(applied);
      if (this.wanted > this.store.version) await this.fetchAndApply();
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'gallery fetch failed; will retry on the next announcement');
    }
  }

  stop() {
    clearInterval(this.timer);
  }
}
