import type { EventBus } from '../bus';
import type { HubDirectory } from '../directory-interface';
import type { Logger } from '../log';
import type { Repository } from '../storage/repository';

/**
 * The live connections of devices, by device id (the MQTT adapter implements it). With several
 * hub nodes each node ends its own connections: every node polls the generation in storage.
 */
export interface DeviceConnections {
  isConnected(deviceId: string): boolean;
  disconnect(deviceId: string): void;
}

/**
 * Ends the connections of devices that provisioning removed (through `DeviceConnections`, the
 * MQTT adapter), and refreshes what the hub
 * caches about devices after any provisioning change.
 *
 * A change may come from this process (start-up, SIGHUP) or from `npm run hub -- provision FILE`
 * run beside a running hub: both bump a generation counter in the database, which this polls,
 * so the database stays the one source of truth (and every hub replica of a cluster notices).
 * Removed users need nothing here: their rows and sessions are deleted, so their next request
 * is refused.
 */
export class Revocation {
  private generation = 0;
  private timer: NodeJS.Timeout | null = null;
  private checking: Promise<string[]> | null = null;
  private again: Promise<string[]> | null = null;

  constructor(
    private connections: DeviceConnections,
    private repo: Pick<Repository, 'provisioningGeneration' | 'revokedDeviceIds'>,
    private dir: Pick<HubDirectory, 'invalidate'>,
    private bus: EventBus,
    private log: Logger,
    private pollMs = 2000,
  ) {}

  async start() {
    this.generation = await this.repo.provisioningGeneration();
    const poll = () => void this.check().catch((err) => this.log.error({ err }, 'provisioning check failed'));
    this.timer = setInterval(poll, this.pollMs);
    this.timer.unref();
  }

  stop() {
    if (this.timer) clearInterval(this.timer);
  }

  /** Picks up a provisioning change if there was one; returns the devices disconnected. */
  check(): Promise<string[]> {
    if (!this.checking) {
      this.checking = this.refreshIfChanged().finally(() => (this.checking = null));
      return this.checking;
    }
    // A check already running may have read the generation before this change was committed
    // (a poll in flight when the bus or a reprovision asks): one more check follows it, else
    // the change would wait for the next poll (2 s). Callers arriving meanwhile share that one.
    this.again ??= this.checking
      .catch(() => [])
      .then(() => {
        this.again = null;
        return this.check();
      });
    return this.again;
  }

  private async refreshIfChanged(): Promise<string[]> {
    const g = await this.repo.provisioningGeneration();
    if (g === this.generation) return [];
    this.generation = g;
    this.dir.invalidate();
    const closed = (await this.repo.revokedDeviceIds()).filter((id) => this.connections.isConnected(id));
    for (const id of closed) this.connections.disconnect(id);
    if (closed.length) this.log.warn({ devices: closed }, 'revoked devices disconnected');
    this.bus.emit('revoked', { devices: closed });
    return closed;
  }
}
