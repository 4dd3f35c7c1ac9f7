import type { AlertEvent, CameraStatus, DeviceStatus, ReviewEvent } from '@shopwatch/protocols';
import type { Logger } from './log';

/** What happened inside the hub, for the parts that fan it out (MQTT, browser WS, metrics). */
export interface HubEvents {
  alert: { scheme: string; zone: string; scope: 'zone' | 'scheme'; event: AlertEvent; payload: string };
  delivery: { scheme: string; zone: string; alertId: string; deviceId: string; seq: number };
  device: { scheme: string; status: DeviceStatus };
  camera: { scheme: string; status: CameraStatus };
  review: { scheme: string; event: ReviewEvent };
  /** The scheme's gallery is now at `version` (changed at `at`); edge boxes fetch it. */
  gallery: { scheme: string; version: number; at: string };
  /** Devices removed by provisioning whose connections were just closed. */
  revoked: { devices: string[] };
}

type Listener<K extends keyof HubEvents> = (e: HubEvents[K]) => void;

/**
 * How the domain tells the transports (MQTT, browser WS, Web Push, metrics) what happened.
 * Events are announced after they are stored, so a listener that misses one loses nothing that
 * storage does not still hold (catch-up and listings read storage, not the bus).
 *
 * A multi-node implementation must deliver every event to the listeners of every node, once,
 * in the order it was emitted per scheme (alert events carry their storage seq, so a node can
 * tell a repeat): e.g. a Redis channel per event kind, each node emitting into it and feeding
 * its local listeners from it. `emit` must not wait for remote listeners (it is called on the
 * ingest path) and one listener's failure must not stop the others.
 */
export interface EventBus {
  /** Adds a listener; returns the function that removes it. */
  on<K extends keyof HubEvents>(kind: K, fn: Listener<K>): () => void;
  emit<K extends keyof HubEvents>(kind: K, event: HubEvents[K]): void;
}

/**
 * The bus of one hub process. Each listener is wrapped so that one feature's bug cannot stop
 * the others or the ingest path that emitted the event (the idea of zigbee2mqtt's EventBus).
 */
export class InProcessEventBus implements EventBus {
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
