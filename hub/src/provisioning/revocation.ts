import type { Aedes, Client } from 'aedes';
import type { EventBus } from '../bus';
import type { Directory } from '../directory';
import type { Logger } from '../log';
import { connectionOf } from '../mqtt/connections';
import type { Repository } from '../storage/repository';

/**
 * Ends the MQTT connections of devices that provisioning removed, and refreshes what the hub
 * caches about devices after any provisioning change.
 *
 * A change may come from this process (start-up, SIGHUP) or from `npm run hub -- provision FILE`
 * run beside a running hub: both bump a generation counter in the database, which this polls,
 * so the database stays the one source of truth (and every hub replica of a cluster notices).
 * Removed users need nothing here: their rows and sessions are deleted, so their next request
 * is refused.
 */
export class Revocation {
  private byDevice = new Map<string, Set<Client>>();
  private generation = 0;
  private timer: NodeJS.Timeout | null = null;
  private checking: Promise<string[]> | null = null;

  constructor(
    private aedes: Aedes,
    private repo: Repository,
    private dir: Directory,
    private bus: EventBus,
    private log: Logger,
    private pollMs = 2000,
  ) {}

  async start() {
    this.generation = await this.repo.provisioningGeneration();
    this.aedes.on('clientReady', (client) => void this.connected(client));
    this.aedes.on('clientDisconnect', (client) => {
      const id = connectionOf(client)?.device.id;
      const set = id ? this.byDevice.get(id) : undefined;
      set?.delete(client);
      if (id && set?.size === 0) this.byDevice.delete(id);
    });
    const poll = () => void this.check().catch((err) => this.log.error({ err }, 'provisioning check failed'));
    this.timer = setInterval(poll, this.pollMs);
    this.timer.unref();
  }

  stop() {
    if (this.timer) clearInterval(this.timer);
  }

  /** Picks up a provisioning change if there was one; returns the devices disconnected. */
  check(): Promise<string[]> {
    return (this.checking ??= this.refreshIfChanged().finally(() => (this.checking = null)));
  }

  private async refreshIfChanged(): Promise<string[]> {
    const g = await this.repo.provisioningGeneration();
    if (g === this.generation) return [];
    this.generation = g;
    this.dir.invalidate();
    const closed = (await this.repo.revokedDeviceIds()).filter((id) => this.byDevice.has(id));
    for (const id of closed) this.disconnect(id);
    if (closed.length) this.log.warn({ devices: closed }, 'revoked devices disconnected');
    this.bus.emit('revoked', { devices: closed });
    return closed;
  }

  private async connected(client: Client) {
    const id = connectionOf(client)?.device.id;
    if (!id) return;
    let set = this.byDevice.get(id);
    if (!set) this.byDevice.set(id, (set = new Set()));
    set.add(client);
    // Revoked between its secret check and now: close it rather than let it slip through.
    const device = await this.repo.getDevice(id);
    if (!device || device.disabledAt !== null) this.disconnect(id);
  }

  private disconnect(id: string) {
    for (const client of this.byDevice.get(id) ?? []) client.close();
    this.byDevice.delete(id);
  }
}
