import type { Repository, DeviceRecord } from '../storage/repository';
import { VerifiedSecretCache } from './passwords';

/** Checks a device id and secret (MQTT CONNECT, or HTTP Basic auth from an edge box). */
export class DeviceAuthenticator {
  private cache = new VerifiedSecretCache();
  constructor(private repo: Repository) {}

  async authenticate(id: string | undefined, secret: string | undefined): Promise<DeviceRecord | null> {
    if (!id || !secret) return null;
    const device = await this.repo.getDevice(id);
    if (!device) return null;
    return (await this.cache.verify(device.id, device.secretHash, secret)) ? device : null;
  }
}
