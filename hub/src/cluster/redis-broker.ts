import type { Redis } from 'ioredis';
import redisPersistence from 'aedes-persistence-redis';
import mqemitterRedis from 'mqemitter-redis';
import type { Logger } from '../log';
import { closeRedis, openRedis } from './redis-client';

/** What aedes needs to join the other nodes' brokers, and how to let go of it. */
export interface BrokerEngines {
  /** Routes every publish to the subscribers of every node (mqemitter-redis). */
  mq: ReturnType<typeof mqemitterRedis>;
  /** Sessions, subscriptions, retained messages and QoS 1 queues in Redis (aedes-persistence-redis). */
  persistence: ReturnType<typeof redisPersistence>;
  /** Called after aedes closed: the persistence leaves, the connections quit. */
  close(): Promise<void>;
  /**
   * Calls `listener` each time the router's subscriber connection is back after Redis was lost.
   * Redis pub/sub keeps nothing for a subscriber that is away, so what was published meanwhile
   * never arrives: the broker replays it from storage (catch-up) to its connected devices.
   */
  onRoutingRestored(listener: () => void): void;
}

/**
 * The broker's Redis engines. Three connections: mqemitter-redis' publisher and subscriber, and
 * the persistence's own, each with this hub's reconnect and logging policy (redis-client.ts).
 */
export function redisBrokerEngines(url: string, log: Logger): BrokerEngines {
  const pubConn = openRedis(url, 'mq-pub', log);
  const subConn = openRedis(url, 'mq-sub', log);
  const conn = openRedis(url, 'persistence', log);
  const mq = mqemitterRedis({ pubConn, subConn });
  // mqemitter-redis re-emits its connections' errors here; they are logged once per outage above.
  (mq as unknown as { state: NodeJS.EventEmitter }).state.on('error', () => {});
  const persistence = redisPersistence({ conn });
  const conns: Redis[] = [pubConn, subConn, conn];
  let routingLost = false;
  const restored = new Set<() => void>();
  subConn.on('close', () => (routingLost = true));
  subConn.on('ready', () => {
    if (!routingLost) return;
    routingLost = false;
    // ioredis re-subscribes as it reconnects; a moment later the router hears everything again.
    setTimeout(() => {
      for (const l of restored) l();
    }, 250).unref();
  });
  return {
    mq,
    persistence,
    onRoutingRestored: (listener) => void restored.add(listener),
    async close() {
      // Redis away: nothing more can be handed over; dropping the connections fails what waits.
      if (!conns.every((c) => c.status === 'ready')) {
        for (const c of conns) c.disconnect();
        return;
      }
      await new Promise<void>((resolve) => {
        // destroy() unsubscribes from the (already closed) router and disconnects its connection.
        Promise.resolve(persistence.destroy(() => resolve())).then(
          () => resolve(),
          () => resolve(),
        );
      });
      await Promise.all(conns.map(closeRedis));
    },
  };
}
