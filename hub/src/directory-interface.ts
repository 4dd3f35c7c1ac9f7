import type { Principal } from './auth/principal';
import type { DeviceRecord, SchemeRecord } from './storage/repository';

/** A scheme's settings, zones and stores by id; `not_found` when there is no such scheme. */
export interface SchemeLookup {
  scheme(id: string): Promise<SchemeRecord>;
}

/** Who receives the events of an alert. */
export interface Recipients {
  /**
   * Radios and tablets that should receive events of an alert in `zone` (every zone when
   * `priority`). The returned list may be shared: callers must not change it.
   */
  recipients(scheme: string, zone: string, priority: boolean): Promise<readonly string[]>;
}

/**
 * Read-mostly facts about schemes and devices that every message needs. The one implementation
 * today (directory.ts) caches them in this process's memory and is told by provisioning to
 * `invalidate()` them.
 *
 * A multi-node implementation must give every node the same answer after a provisioning change:
 * either read storage on every call (cache-less, fine for PostgreSQL with an index on scheme),
 * or keep the cache and invalidate it on every node — the provisioning generation counter in
 * storage (`Repository.provisioningGeneration`) tells a node its cache is stale, or a Redis
 * message announces the change. Recipient lists must be computed by the one rule `seesZone`.
 */
export interface HubDirectory extends SchemeLookup, Recipients {
  /** Devices of a scheme that may connect (not revoked). */
  devices(scheme: string): Promise<DeviceRecord[]>;
  devicePrincipal(d: DeviceRecord): Promise<Principal>;
  /** Provisioning changed schemes or devices: forget what was read before. */
  invalidate(): void;
}
