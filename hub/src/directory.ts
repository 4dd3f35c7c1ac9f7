import { notFound } from './errors';
import { type Principal, devicePrincipal, seesZone } from './auth/principal';
import type { DeviceRecord, Repository, SchemeRecord } from './storage/repository';

/**
 * Read-mostly facts about schemes and devices, cached in memory because every message needs
 * them. Provisioning calls `invalidate()` after it changes them.
 */
export class Directory {
  private schemes = new Map<string, SchemeRecord>();
  private devicesByScheme = new Map<string, DeviceRecord[]>();

  constructor(private repo: Repository) {}

  invalidate() {
    this.schemes.clear();
    this.devicesByScheme.clear();
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

  /** Radios and tablets that should receive events of an alert in `zone`. */
  async recipients(scheme: string, zone: string, priority: boolean): Promise<string[]> {
    const s = await this.scheme(scheme);
    return (await this.devices(scheme))
      .map((d) => devicePrincipal(d, s))
      .filter((p) => seesZone(p, zone, priority))
      .map((p) => p.id);
  }
}
