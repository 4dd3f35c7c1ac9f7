import type { Redis } from 'ioredis';
import type { LiveStreamDirectory } from './live-streams';
import type { Logger } from '../log';
import { closeRedis, openRedis } from './redis-client';

const streamKey = (streamId: string) => `shopwatch:live:stream:${streamId}`;

/**
 * How long a claim lasts. The edge box dials within the start time-out (15 s) or the stream is
 * given up; once its socket is joined the claim is no longer read. A node that dies leaves keys
 * that lapse on their own.
 */
const CLAIM_TTL_MS = 60_000;

/**
 * How long an edge box's upgrade waits for the owner lookup. The connection queues commands while
 * Redis is away (redis-client.ts), so without a bound the box would hang until its own handshake
 * time-out (10 s); it gets a 503 instead, well within it, and dials again.
 */
const LOOKUP_TIMEOUT_MS = 2000;

/**
 * Live streams' owners in Redis: `streamId` → the internal address of the node whose viewer
 * asked for it. Stream ids are 128 random bits, so a box cannot guess another box's stream, and
 * the node that takes the relayed socket checks the box's credentials and stream anyway.
 */
export class RedisLiveStreams implements LiveStreamDirectory {
  private redis: Redis;
  private self: string | null = null;

  constructor(url: string, log: Logger) {
    this.redis = openRedis(url, 'live', log);
  }

  listening(url: string) {
    this.self = url;
  }

  async claim(streamId: string) {
    if (!this.self) throw new Error('live stream claimed before the node listens');
    await this.redis.set(streamKey(streamId), this.self, 'PX', CLAIM_TTL_MS);
  }

  async release(streamId: string) {
    await this.redis.del(streamKey(streamId));
  }

  async ownerOf(streamId: string) {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('live stream lookup timed out: Redis unreachable')), LOOKUP_TIMEOUT_MS);
    });
    const owner = await Promise.race([this.redis.get(streamKey(streamId)), late]).finally(() => clearTimeout(timer));
    return owner && owner !== this.self ? owner : null;
  }

  close() {
    return closeRedis(this.redis);
  }
}
