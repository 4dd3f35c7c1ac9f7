import type { DeviceStatus } from '@shopwatch/protocols';
import { topics } from '@shopwatch/protocols';
import type { EventBus } from '../bus';
import type { ConnectionCounts, Presence, PresenceStore } from '../devices/presence';
import type { Logger } from '../log';
import type { Broker } from './broker';
import { connectionOf } from './connections';

/**
 * Presence over MQTT: retained `devices/{id}/status`, online while the device has a connection,
 * offline (with last seen) when its last connection closes or misses its keep-alive. The counts
 * are kept by `ConnectionCounts`, so a multi-node implementation can share them.
 */
export class MqttPresence implements Presence {
  private counted = new WeakSet<object>();

  constructor(
    private broker: Broker,
    private repo: PresenceStore,
    private counts: ConnectionCounts,
    private bus: EventBus,
    private log: Logger,
  ) {}

  isOnline(deviceId: string) {
    return this.counts.count(deviceId) > 0;
  }

  /** Retained messages live in broker memory: after a restart, publish everyone's last state. */
  async start() {
    for (const s of await this.repo.listSchemes()) {
      for (const d of await this.repo.listDevices(s.id)) {
        await this.publish(s.id, {
          deviceId: d.id,
          status: 'offline',
          since: new Date().toISOString(),
          lastSeen: d.lastSeen,
        });
      }
      for (const c of await this.repo.listCameras(s.id)) {
        await this.broker.publish(topics.cameraStatus(s.id, c.deviceId, c.cameraId), JSON.stringify(c), {
          retain: true,
        });
      }
    }
    const a = this.broker.aedes;
    a.on('clientReady', (client) => {
      const conn = connectionOf(client);
      if (!conn) return;
      this.counted.add(client);
      if (this.counts.opened(conn.device.id) === 1) void this.change(conn.device.scheme, conn.device.id, 'online');
    });
    a.on('clientDisconnect', (client) => {
      const conn = connectionOf(client);
      if (!conn || !this.counted.has(client)) return;
      this.counted.delete(client);
      if (this.counts.closed(conn.device.id) === 0) void this.change(conn.device.scheme, conn.device.id, 'offline');
    });
    a.on('keepaliveTimeout', (client) =>
      this.log.info({ deviceId: connectionOf(client)?.device.id }, 'device missed its keep-alive'),
    );
  }

  private async change(scheme: string, deviceId: string, status: 'online' | 'offline') {
    if (this.broker.aedes.closed) return; // hub stopping: every device goes offline at the next start()
    const at = new Date().toISOString();
    try {
      await this.repo.touchDevice(deviceId, at);
      await this.publish(scheme, { deviceId, status, since: at, lastSeen: at });
      this.log.info({ deviceId, status }, 'device presence');
    } catch (err) {
      this.log.error({ err, deviceId }, 'presence update failed');
    }
  }

  private async publish(scheme: string, s: DeviceStatus) {
    // Checked again here, after the store's await in change(): the broker may have closed
    // meanwhile (issue 12: "mqemitter is closed" at error level when a radio dropped at shutdown).
    if (this.broker.aedes.closed) return;
    await this.broker.publish(topics.deviceStatus(scheme, s.deviceId), JSON.stringify(s), { retain: true });
    this.bus.emit('device', { scheme, status: s });
  }
}
