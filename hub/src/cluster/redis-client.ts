import { Redis } from 'ioredis';
import type { Logger } from '../log';

/**
 * One connection to the cluster's Redis. Every part that uses Redis opens its own (a connection
 * in subscriber mode can do nothing else, and a slow command of one part must not hold up the
 * broker's routing).
 *
 * Reconnects for ever, at most a second apart: a Redis restart must not take a hub node down,
 * and every part picks up again once Redis is back (the broker re-subscribes its topics, the bus
 * its channel). Errors are logged at most once per outage, not once per retry.
 */
export function openRedis(url: string, name: string, log: Logger): Redis {
  const redis = new Redis(url, {
    connectionName: `shopwatch:${name}`,
    // Nothing connects until first used, so a hub that fails to start leaves no socket open.
    lazyConnect: true,
    retryStrategy: (times) => Math.min(times * 100, 1000),
    // A command sent while Redis is away waits for the reconnect instead of failing after 20 tries:
    // the broker's publishes and the bus must resume in order, not drop what was queued.
    maxRetriesPerRequest: null,
  });
  let down = false;
  redis.on('error', (err) => {
    if (down) return;
    down = true;
    log.warn({ err: err.message, connection: name }, 'Redis connection lost; retrying');
  });
  redis.on('ready', () => {
    if (down) log.info({ connection: name }, 'Redis connection back');
    down = false;
  });
  return redis;
}

/** Closes a connection: QUIT when it is up, else just drops it (a QUIT would wait for Redis). */
export async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status === 'ready') {
    await redis.quit().catch(() => redis.disconnect());
  } else {
    redis.disconnect();
  }
}
