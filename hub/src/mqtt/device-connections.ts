import type { Aedes, Client } from 'aedes';
import type { Logger } from '../log';
import type { DeviceConnections } from '../provisioning/revocation';
import type { Repository } from '../storage/repository';
import { connectionOf } from './connections';

/**
 * The MQTT connections of each device on this broker, so that provisioning can end those of a
 * removed device. A device revoked between its secret check and its CONNACK is closed at once.
 */
export class MqttDeviceConnections implements DeviceConnections {
  private byDevice = new Map<string, Set<Client>>();

  constructor(
    private aedes: Aedes,
    private devices: Pick<Repository, 'getDevice'>,
    private log: Logger,
  ) {}

  start() {
    this.aedes.on('clientReady', (client) => void this.connected(client));
    this.aedes.on('clientDisconnect', (client) => {
      const id = connectionOf(client)?.device.id;
      const set = id ? this.byDevice.get(id) : undefined;
      set?.delete(client);
      if (id && set?.size === 0) this.byDevice.delete(id);
    });
  }

  isConnected(deviceId: string): boolean {
    return this.byDevice.has(deviceId);
  }

  disconnect(deviceId: string) {
    for (const client of this.byDevice.get(deviceId) ?? []) client.close();
    this.byDevice.delete(deviceId);
  }

  private async connected(client: Client) {
    const id = connectionOf(client)?.device.id;
    if (!id) return;
    let set = this.byDevice.get(id);
    if (!set) this.byDevice.set(id, (set = new Set()));
    set.add(client);
    try {
      // Revoked between its secret check and now: close it rather than let it slip through.
      const device = await this.devices.getDevice(id);
      if (!device || device.disabledAt !== null) this.disconnect(id);
    } catch (err) {
      this.log.error({ err, deviceId: id }, 'revocation check of a new connection failed');
    }
  }
}
