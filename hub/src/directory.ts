import { notFound } from './errors';
import { type Principal, devicePrincipal, seesZone } from './auth/principal';
import type { DeviceRecord, Repository, SchemeRecord } from './storage/repository';
import type { HubDirectory } from './directory-interface';

/** Who receives a scheme's alerts, computed once per provisioning change. */
interface RecipientIndex {
  principals: Principal[];
  /** Zone → radios and tablets that receive its (non-priority) alerts; filled on first use. */
  byZone: Map<string, readonly string[]>;
  /** Everyone who receives priority (escalated, all-zone) alerts. */
  priority: readonly string[];
}

/**
 * Read-mostly facts about schemes and devices, cached in memory because every message needs
 * them. Provisioning calls `invalidate()` after it changes them.
 *
 * Recipient lists are indexed per scheme and zone, so listing alerts costs a map lookup per
 * alert instead of walking every device of the fleet for each one.
 */
export class Directory implements HubDirectory {
  private schemes = new Map<string, SchemeRecord>();
  private devicesByScheme = new Map<string, DeviceRecord[]>();
  private recipientIndex = new Map<string, RecipientIndex>();

  constructor(private repo: Repository) {}

  invalidate() {
    this.schemes.clear();
    this.devicesByScheme.clear();
    this.recipientIndex.clear();
  }

  async scheme(id: string): Promise<SchemeRecord> {
    let s = this.schemes.get(id);
    if (!s) {
      const loaded = await this.repo.getScheme(id);
      if (!loaded) throw notFound(`scheme "${id}"`);
      s = loaded;
      this.schemes.set(id, s);
    }
    return s;
  }

  async devices(scheme: string): Promise<DeviceRecord[]> {
    let list = this.devicesByScheme.get(scheme);
    if (!list) {
      list = await this.repo.listDevices(scheme);
      this.devicesByScheme.set(scheme, list);
    }
    return list;
  }

  async devicePrincipal(d: DeviceRecord): Promise<Principal> {
    return devicePrincipal(d, await this.scheme(d.scheme));
  }

  /**
   * Radios and tablets that should receive events of an alert in `zone`. The returned list is
   * shared: callers must not change it.
   */
  async recipients(scheme: string, zone: string, priority: boolean): Promise<readonly string[]> {
    const index = this.recipientIndex.get(scheme) ?? (await this.buildIndex(scheme));
    if (priority) return index.priority;
    let list = index.byZone.get(zone);
    if (!list) {
      // seesZone stays the one rule of who sees what; the index only remembers its answers.
      list = index.principals.filter((p) => seesZone(p, zone, false)).map((p) => p.id);
      index.byZone.set(zone, list);
    }
    return list;
  }

  private async buildIndex(scheme: string): Promise<RecipientIndex> {
    const s = await this.scheme(scheme);
    const principals = (await this.devices(scheme)).map((d) => devicePrincipal(d, s));
    const priority = principals.filter((p) => seesZone(p, '', true)).map((p) => p.id);
    const index: RecipientIndex = { principals, byZone: new Map(), priority };
    this.recipientIndex.set(scheme, index);
    return index;
  }
}
