import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Repository, DeviceRecord } from '../storage/repository';
import type { SecretKey } from './device-secrets';

/**
 * Checks a device id and secret (MQTT CONNECT, or HTTP Basic auth from an edge box).
 *
 * Known and unknown ids take the same path: the lookup, then one keyed-digest comparison (against
 * a random verifier when the id is unknown or revoked), so timing does not tell which ids exist.
 *
 * Admission control: at most `maxInFlight` checks run at once and each starts on a fresh turn of
 * the event loop, so a reconnect storm of thousands of radios is served in arrival order while
 * the packets of devices already connected (a raise and its PUBACK) keep getting their turns.
 */
export class DeviceAuthenticator {
  private inFlight = 0;
  private waiting: (() => void)[] = [];

  constructor(
    private repo: Repository,
    private key: SecretKey,
    private maxInFlight = 64,
  ) {}

  async authenticate(id: string | undefined, secret: string | undefined): Promise<DeviceRecord | null> {
    if (!id || !secret) return null;
    await this.admit();
    try {
      await nextTurn(); // let already-connected devices' packets in between storm admissions
      const device = await this.repo.getDevice(id);
      const usable = device && device.disabledAt === null ? device : null;
      const ok = await this.key.verifyDevice(id, usable?.secretHash ?? null, secret);
      return ok ? usable : null;
    } finally {
      this.release();
    }
  }

  private admit(): Promise<void> | void {
    if (this.inFlight < this.maxInFlight) {
      this.inFlight++;
      return;
    }
    return new Promise((resolve) => this.waiting.push(resolve)); // the slot is handed over in release()
  }

  private release() {
    const next = this.waiting.shift();
    if (next) next();
    else this.inFlight--;
  }
}
