import type { AlertEvent, CameraStatus, DeviceStatus, ReviewEvent } from '@shopwatch/protocols';
import type { Logger } from './log';

/** What happened inside the hub, for the parts that fan it out (MQTT, browser WS, metrics). */
export interface HubEvents {
  alert: { scheme: string; zone: string; scope: 'zone' | 'scheme'; event: AlertEvent; payload: string };
  delivery: { scheme: string; zone: string; alertId: string; deviceId: string; seq: number };
  device: { scheme: string; status: DeviceStatus };
  camera: { scheme: string; status: CameraStatus };
  review: { scheme: string; event: ReviewEvent };
  gallery: { scheme: string; version: number };
  /** Devices removed by provisioning whose connections were just closed. */
  revoked: { devices: string[] };
}

type Listener<K extends keyof HubEvents> = (e: HubEvents[K]) => void;

/**
 * A tiny typed event bus. Each listener is wrapped so that one feature's bug cannot stop the
 * others or the ingest path that emitted the event (the idea of zigbee2mqtt's EventBus).
 */
export class EventBus {
  private listeners: { [K in keyof HubEvents]?: Listener<K>[] } = {};
  constructor(private log: Logger) {}

  on<K extends keyof HubEvents>(kind: K, fn: Listener<K>): () => void {
    const list = (this.listeners[kind] ??= []) as Listener<K>[];
    list.push(fn);
    return () => {
      const i = list.indexOf(fn);
      if (i >= 0) list.splice(i, 1);
    };
  }

  emit<K extends keyof HubEvents>(kind: K, event: HubEvents[K]): void {
    for (const fn of (this.listeners[kind] ?? []) as Listener<K>[]) {
      try {
        fn(event);
      } catch (err) {
        this.log.error({ err, kind }, 'event listener failed');
      }
    }
  }
}
