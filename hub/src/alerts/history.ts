import type { DeviceRecord, EventRecord } from '../storage/repository';

/**
 * The stored alert events a device still owes a receipt for: what catch-up replays when the
 * device comes back. Storage is the only source (not broker memory), so the answer is the same
 * after a restart and on any hub node. Implemented by the repository.
 */
export interface AlertHistory {
  /** Events of `zones` (and scheme-wide ones) since `since` that `device` has not receipted, oldest first. */
  unconfirmedEvents(device: DeviceRecord, zones: string[], since: string): Promise<EventRecord[]>;
}
