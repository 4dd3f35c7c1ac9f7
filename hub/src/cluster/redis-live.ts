import type { Redis } from 'ioredis';
import type { LiveStreamDirectory } from './live-streams';
import { HubError } from '../errors';
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
 * How long a viewer's node waits to record its claim. Without the claim no node could relay the
 * box's socket to it, so the box is not asked and the viewer is refused at once (the connection
 * would otherwise queue the write until Redis is back, and the viewer would wait out the 15 s
 * start time-out for a stream that cannot come).
 */
const CLAIM_TIMEOUT_MS = 1500;

/** What the viewer is told when the claim cannot be recorded; the dashboard shows the message. */
export const NO_REDIS_FOR_LIVE = "live view needs the cluster's Redis, which cannot be reached; retry";

/** Rejects with `err` after `ms` unless `p` settles first. */
async function within<T>(p: Promise<T>, ms: number, err: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(err()), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

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
    const unavailable = () => new HubError('unavailable', NO_REDIS_FOR_LIVE);
    // Known to be away (the connection is between retries): refuse without queueing a write.
    if (this.redis.status === 'reconnecting' || this.redis.status === 'end') throw unavailable();
    // A write that times out may still land once Redis is back: harmless, the id is never used
    // and the stop's release (queued after it on this connection) deletes it.
    await within(this.redis.set(streamKey(streamId), this.self, 'PX', CLAIM_TTL_MS), CLAIM_TIMEOUT_MS, unavailable);
  }

  async release(streamId: string) {
    await this.redis.del(streamKey(streamId));
  }

  async ownerOf(streamId: string) {
    const late = () => new Error('live stream lookup timed out: Redis unreachable');
    const owner = await within(this.redis.get(streamKey(streamId)), LOOKUP_TIMEOUT_MS, late);
    return owner && owner !== this.self ? owner : null;
  }

  close() {
    return closeRedis(this.redis);
  }
}
