// aedes-persistence-redis 11.x ships no types; what the hub uses of it (persistence.js).
declare module 'aedes-persistence-redis' {
  import type { Redis } from 'ioredis';

  interface RedisPersistenceOptions {
    /** An open ioredis connection to use instead of one made from the other options. */
    conn?: Redis;
    /** Most queued QoS 1 messages kept per offline session. */
    maxSessionDelivery?: number;
  }

  /** aedes' callback-style persistence over Redis; `destroy` leaves the router and disconnects. */
  interface RedisPersistence {
    setup(broker: unknown): Promise<void>;
    destroy(cb?: (err?: Error) => void): unknown;
  }

  export default function redisPersistence(opts?: RedisPersistenceOptions): RedisPersistence;
}
