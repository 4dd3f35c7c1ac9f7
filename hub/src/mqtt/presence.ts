import { randomUUID } from 'node:crypto';
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
 * are kept by `ConnectionCounts` (in storage, so that every hub node sees them).
 *
 * `isOnline` answers from a local mirror of the counts, updated by this node's own opened/closed
 * results (the total over all nodes at that moment) and, in a cluster, re-read from the shared
 * counts whenever another node announces a device's change on the bus (its event may be older
 * than this node's own change, so the store, not the event, says what is true now).
 */
export class MqttPresence implements Presence {
  /** The id each counted connection was opened with, so that its close deletes that one. */
  private counted = new WeakMap<object, string>();
  private mirror = new Map<string, number>();
  /** The scheme of each device in the mirror, to announce it offline if its node dies. */
  private schemeOf = new Map<string, string>();
  /** Per device, the tail of its opened/closed chain: counts and status publishes stay in order. */
  private queues = new Map<string, Promise<void>>();

  constructor(
    private broker: Broker,
    private repo: PresenceStore,
    private counts: ConnectionCounts,
    private bus: EventBus,
    private log: Logger,
  ) {}

  isOnline(deviceId: string) {
    return (this.mirror.get(deviceId) ?? 0) > 0;
  }

  /**
   * Retained messages live in broker memory: after a restart, publish everyone's last state.
   * A device another node holds a connection for (a cluster) keeps its state and is mirrored.
   */
  async start() {
    await this.counts.start?.();
    this.bus.on('device', ({ scheme, status }) => this.refresh(scheme, status.deviceId), { origin: 'remote' });
    for (const s of await this.repo.listSchemes()) {
      for (const d of await this.repo.listDevices(s.id)) {
        const n = await this.counts.count(d.id);
        if (n > 0) {
          this.remember(s.id, d.id, n);
          continue;
        }
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
      const id = randomUUID();
      this.counted.set(client, id);
      const { scheme, id: deviceId } = conn.device;
      this.inOrder(deviceId, async () => {
        const n = await this.counts.opened(deviceId, id);
        this.remember(scheme, deviceId, n);
        if (n === 1) await this.change(scheme, deviceId, 'online');
      });
    });
    a.on('clientDisconnect', (client) => {
      const conn = connectionOf(client);
      const id = this.counted.get(client);
      if (!conn || !id) return;
      this.counted.delete(client);
      const { scheme, id: deviceId } = conn.device;
      this.inOrder(deviceId, async () => {
        const n = await this.counts.closed(deviceId, id);
        this.remember(scheme, deviceId, n);
        if (n === 0) await this.change(scheme, deviceId, 'offline');
      });
    });
    a.on('keepaliveTimeout', (client) =>
      this.log.info({ deviceId: connectionOf(client)?.device.id }, 'device missed its keep-alive'),
    );
  }

  private remember(scheme: string, deviceId: string, n: number) {
    if (n > 0) {
      this.mirror.set(deviceId, n);
      this.schemeOf.set(deviceId, scheme);
    } else {
      this.mirror.delete(deviceId);
      this.schemeOf.delete(deviceId);
    }
  }

  /** Another node changed a device's presence: read the shared count, after this node's own work. */
  private refresh(scheme: string, deviceId: string) {
    this.inOrder(deviceId, async () => this.remember(scheme, deviceId, await this.counts.count(deviceId)));
  }

  /**
   * A hub node died (its heartbeat ran out): its connection rows are deleted, and every device
   * left with no connection anywhere is announced offline, once, by the node that swept.
   */
  async dropNode(nodeId: string) {
    if (!this.counts.clearNode) return;
    await this.counts.clearNode(nodeId);
    const checks = [...this.schemeOf].map(([deviceId, scheme]) => {
      this.inOrder(deviceId, async () => {
        const n = await this.counts.count(deviceId);
        this.remember(scheme, deviceId, n);
        if (n === 0) await this.change(scheme, deviceId, 'offline');
      });
      return this.queues.get(deviceId);
    });
    await Promise.all(checks);
  }

  /** Runs `work` after the device's earlier presence work; a failure is logged, not thrown. */
  private inOrder(deviceId: string, work: () => Promise<void>) {
    const next = (this.queues.get(deviceId) ?? Promise.resolve())
      .then(work)
      .catch((err) => {
        // At shutdown the store may close before the last disconnects: the next start clears them.
        if (!this.broker.aedes.closed) this.log.error({ err, deviceId }, 'presence count failed');
      })
      .finally(() => {
        if (this.queues.get(deviceId) === next) this.queues.delete(deviceId);
      });
    this.queues.set(deviceId, next);
  }

  private async change(scheme: string, deviceId: string, status: 'online' | 'offline') {
    if (this.broker.aedes.closed) return; // hub stopping: every device goes offline at the next start()
    const at = new Date().toISOString();
    try {
      await this.repo.touchDevice(deviceId, at);
      await this.publish(scheme, { deviceId, status, since: at, lastSeen: at });
      this.log.info({ deviceId, status }, 'device presence');
    } catch (err) {
      // Stopping meanwhile: the broker's Redis connections may quit under a publish in flight;
      // the next start republishes every device's state, so that is no fault.
      if (this.broker.aedes.closed) this.log.debug({ err, deviceId }, 'presence update dropped: stopping');
      else this.log.error({ err, deviceId }, 'presence update failed');
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
