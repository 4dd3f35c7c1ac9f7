import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { type EventBus, type HubEvents, type ListenOptions, type Listener, Listeners } from '../bus';
import type { Logger } from '../log';
import { BATCH_READERS_CHANNEL, publishDeliveries } from './redis-bus-deliveries';
import { closeRedis, openRedis } from './redis-client';

/** The one Redis channel every hub node publishes its events to (in emit order). */
export const BUS_CHANNEL = 'shopwatch:bus';

/**
 * What goes over the channel: the emitting node, the kind, the event (all JSON-safe); or, for
 * delivery receipts, `events`: every one emitted in one turn of the event loop, sent so only
 * while every subscriber of the channel reads that form (redis-bus-deliveries.ts).
 */
interface Envelope {
  origin: string;
  kind: keyof HubEvents;
  event?: unknown;
  events?: unknown[];
}

const KINDS: ReadonlySet<string> = new Set<keyof HubEvents>([
  'alert',
  'delivery',
  'device',
  'camera',
  'review',
  'gallery',
  'revoked',
]);

export interface RedisBusOptions {
  /**
   * Whether this node reads (and sends) delivery events batched per turn; default true. False
   * behaves as the version before batching, which reads `event` only: kept so that a rolling
   * upgrade can be tested against real Redis (a mixed cluster must not lose receipts).
   */
  deliveryBatches?: boolean;
}

/**
 * The bus of a hub node in a cluster (see `EventBus` and `Origin` in bus.ts): `emit` delivers
 * to this node's listeners at once, then publishes on a Redis channel; what other nodes publish
 * there reaches this node's `any` listeners. A node skips its own messages by their origin id.
 *
 * Redis pub/sub keeps no messages: while Redis is away, other nodes miss this node's events
 * (their browsers are told nothing new until they reload or the next event). Nothing is lost
 * by that: every event was stored before it was announced, and listings and catch-up read
 * storage. One publishing connection per node keeps each node's events in emit order.
 */
export class RedisEventBus implements EventBus {
  readonly nodeId = randomUUID();
  private listeners: Listeners;
  private pub: Redis;
  private sub: Redis;
  /**
   * Deliveries emitted this turn, published together: every radio confirms every alert, so one
   * alert to 1,000 radios was 1,000 messages through Redis, each parsed by every node. While a
   * node of the version before batching listens they go one by one (redis-bus-deliveries.ts).
   */
  private deliveries: HubEvents['delivery'][] = [];
  private batches: boolean;

  constructor(
    url: string,
    private log: Logger,
    opts: RedisBusOptions = {},
  ) {
    this.batches = opts.deliveryBatches ?? true;
    this.listeners = new Listeners(log);
    this.pub = openRedis(url, 'bus-pub', log);
    this.sub = openRedis(url, 'bus-sub', log);
    this.sub.on('message', (_channel: string, text: string) => this.received(text));
  }

  /** Subscribes to the channel (ioredis re-subscribes by itself after a reconnect). */
  async start(): Promise<void> {
    // One command: a node is counted as a reader of batches exactly while it reads the bus.
    await (this.batches ? this.sub.subscribe(BUS_CHANNEL, BATCH_READERS_CHANNEL) : this.sub.subscribe(BUS_CHANNEL));
  }

  async stop(): Promise<void> {
    this.flushDeliveries();
    await Promise.all([closeRedis(this.sub), closeRedis(this.pub)]);
  }

  on<K extends keyof HubEvents>(kind: K, fn: Listener<K>, opts: ListenOptions = {}): () => void {
    return this.listeners.add(kind, fn, opts.origin ?? 'any');
  }

  emit<K extends keyof HubEvents>(kind: K, event: HubEvents[K]): void {
    this.listeners.deliver(kind, event, true);
    if (kind === 'delivery') {
      if (this.deliveries.push(event as HubEvents['delivery']) === 1) setImmediate(() => this.flushDeliveries());
      return;
    }
    this.flushDeliveries(); // what was emitted before this event is published before it
    this.publish({ origin: this.nodeId, kind, event });
  }

  private flushDeliveries() {
    if (!this.deliveries.length) return;
    const events = this.deliveries;
    this.deliveries = [];
    if (!this.batches) {
      for (const event of events) this.publish({ origin: this.nodeId, kind: 'delivery', event });
      return;
    }
    publishDeliveries(this.pub, BUS_CHANNEL, this.nodeId, events).catch((err) =>
      this.log.warn({ err: err.message, kind: 'delivery' }, 'events not shared with the other nodes'),
    );
  }

  private publish(envelope: Envelope) {
    this.pub
      .publish(BUS_CHANNEL, JSON.stringify(envelope))
      .catch((err) =>
        this.log.warn({ err: err.message, kind: envelope.kind }, 'event not shared with the other nodes'),
      );
  }

  private received(text: string) {
    let envelope: Envelope;
    try {
      envelope = JSON.parse(text);
    } catch {
      this.log.warn('unreadable message on the bus channel; ignored');
      return;
    }
    if (envelope?.origin === this.nodeId) return; // delivered locally when it was emitted
    const batch = this.batches && envelope?.kind === 'delivery' && Array.isArray(envelope.events);
    const events = batch ? envelope.events! : [envelope?.event];
    if (!KINDS.has(envelope?.kind) || !events.every((e) => typeof e === 'object' && e !== null)) {
      this.log.warn({ kind: envelope?.kind }, 'unknown event on the bus channel; ignored');
      return;
    }
    for (const e of events) this.listeners.deliver(envelope.kind, e as HubEvents[typeof envelope.kind], false);
  }
}
