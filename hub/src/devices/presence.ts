import type { Repository } from '../storage/repository';

/**
 * Whether a device is connected now (live view asks before it starts a stream; the device list
 * shows it). Implemented by the MQTT presence adapter (mqtt/presence.ts) over `ConnectionCounts`.
 *
 * A multi-node implementation must answer for connections held by any node: it reads the
 * shared counts (see `ConnectionCounts`), not this node's sockets. `isOnline` stays synchronous
 * because it is asked on hot paths; such an implementation keeps a local copy of the shared
 * counts, refreshed by their change messages.
 */
export interface Presence {
  isOnline(deviceId: string): boolean;
}

/**
 * How many connections each device holds. A device is online while it holds at least one (a
 * radio reconnecting opens the new connection before the old one's keep-alive runs out).
 *
 * `opened`/`closed` return the device's total over all hub nodes, so that only its first
 * connection anywhere turns it online and its last one anywhere turns it offline. They may be
 * async: the stored implementation (stored-connection-counts.ts) keeps one row per open
 * connection where every node sees it; the in-process one below answers at once (one hub).
 */
export interface ConnectionCounts {
  /**
   * Counts a new connection; returns the device's connections now (1: it just came online).
   * `connectionId` names the connection, so that a store can delete its row when it closes.
   */
  opened(deviceId: string, connectionId?: string): number | Promise<number>;
  /** Counts a closed connection; returns the device's connections now (0: it just went offline). */
  closed(deviceId: string, connectionId?: string): number | Promise<number>;
  count(deviceId: string): number | Promise<number>;
  /** Called once before the first connection: a stored implementation drops what a crash left. */
  start?(): Promise<void>;
  /** Drops the connections another hub node held when it died (cluster/redis-nodes.ts). */
  clearNode?(nodeId: string): Promise<void>;
}

/** Connection counts of one hub process. */
export class InProcessConnectionCounts implements ConnectionCounts {
  private counts = new Map<string, number>();

  opened(deviceId: string): number {
    const n = this.count(deviceId) + 1;
    this.counts.set(deviceId, n);
    return n;
  }

  closed(deviceId: string): number {
    const n = Math.max(0, this.count(deviceId) - 1);
    if (n === 0) this.counts.delete(deviceId);
    else this.counts.set(deviceId, n);
    return n;
  }

  count(deviceId: string): number {
    return this.counts.get(deviceId) ?? 0;
  }
}

/**
 * What presence reads and writes in storage: every provisioned device and camera, to republish
 * their last state after a restart, and a device's last-seen time. Implemented by the repository.
 */
export type PresenceStore = Pick<Repository, 'listSchemes' | 'listDevices' | 'listCameras' | 'touchDevice'>;
