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

export type Listener<K extends keyof HubEvents> = (e: HubEvents[K]) => void;

/**
 * Which events a listener wants when hub nodes share one bus (cluster mode, cluster/redis-bus.ts).
 * - `any` (the default): events of every node. Browser sockets need this: each node serves its
 *   own browsers, and an alert raised on another node must reach them too.
 * - `local`: only events that happened on this node. Side effects that must happen once in the
 *   cluster take this: the MQTT fan-outs (the broker is itself joined across nodes, so a publish
 *   on one node already reaches radios on every node), Web Push, metrics counters.
 * - `remote`: only events of other nodes, for a node's copies of shared state (the presence
 *   mirror, the directory cache) that its own events have already updated.
 * On a single hub every event is local: `remote` listeners are never called.
 */
export type Origin = 'any' | 'local' | 'remote';

export interface ListenOptions {
  origin?: Origin;
}

/**
 * How the domain tells the transports (MQTT, browser WS, Web Push, metrics) what happened.
 * Events are announced after they are stored, so a listener that misses one loses nothing that
 * storage does not still hold (catch-up and listings read storage, not the bus).
 *
 * A multi-node implementation (cluster/redis-bus.ts) delivers every event to the `any`
 * listeners of every node, in the order each node emitted them (alert events carry their storage
 * seq, so a node can tell a repeat), and to the `local` listeners of the emitting node only.
 * `emit` must not wait for remote listeners (it is called on the ingest path) and one listener's
 * failure must not stop the others.
 */
export interface EventBus {
  /** Adds a listener; returns the function that removes it. */
  on<K extends keyof HubEvents>(kind: K, fn: Listener<K>, opts?: ListenOptions): () => void;
  emit<K extends keyof HubEvents>(kind: K, event: HubEvents[K]): void;
}

/**
 * The listeners of one process, each wrapped so that one feature's bug cannot stop the others
 * or the ingest path that emitted the event (the idea of zigbee2mqtt's EventBus).
 */
export class Listeners {
  private lists: { [K in keyof HubEvents]?: { fn: Listener<K>; origin: Origin }[] } = {};
  constructor(private log: Logger) {}

  add<K extends keyof HubEvents>(kind: K, fn: Listener<K>, origin: Origin): () => void {
    const list = (this.lists[kind] ??= []) as { fn: Listener<K>; origin: Origin }[];
    const entry = { fn, origin };
    list.push(entry);
    return () => {
      const i = list.indexOf(entry);
      if (i >= 0) list.splice(i, 1);
    };
  }

  /** Calls the listeners of `kind` that want an event of this origin (see `Origin`). */
  deliver<K extends keyof HubEvents>(kind: K, event: HubEvents[K], local: boolean): void {
    for (const { fn, origin } of (this.lists[kind] ?? []) as { fn: Listener<K>; origin: Origin }[]) {
      if (origin === (local ? 'remote' : 'local')) continue;
      try {
        fn(event);
      } catch (err) {
        this.log.error({ err, kind }, 'event listener failed');
      }
    }
  }
}

/** The bus of one hub process: every event is local. */
export class InProcessEventBus implements EventBus {
  private listeners: Listeners;
  constructor(log: Logger) {
    this.listeners = new Listeners(log);
  }

  on<K extends keyof HubEvents>(kind: K, fn: Listener<K>, opts: ListenOptions = {}): () => void {
    return this.listeners.add(kind, fn, opts.origin ?? 'any');
  }

  emit<K extends keyof HubEvents>(kind: K, event: HubEvents[K]): void {
    this.listeners.deliver(kind, event, true);
  }
}
