import type { Redis } from 'ioredis';
import type { Logger } from '../log';
import { closeRedis, openRedis } from './redis-client';

/** Every node that ever beat (a set), and each one's heartbeat key, alive while it is renewed. */
const NODES_KEY = 'shopwatch:nodes';
const aliveKey = (nodeId: string) => `shopwatch:node:${nodeId}:alive`;
const sweepKey = (nodeId: string) => `shopwatch:node:${nodeId}:sweep`;

export interface HeartbeatOptions {
  /** How long a heartbeat lasts without renewal: a node silent this long is taken for dead. */
  ttlMs?: number;
  /** How often this node renews its heartbeat and looks for dead nodes. */
  everyMs?: number;
}

/**
 * This node's heartbeat in Redis (a key with a TTL, renewed well within it), and the sweep that
 * notices other nodes whose heartbeat ran out: a node killed with `kill -9` cannot delete the
 * connection rows it held, so a surviving node does, and presence turns its devices offline
 * (unless they already reconnected elsewhere). Exactly one survivor sweeps each dead node (a
 * `SET NX` claim); a sweep that fails leaves the node listed, so the next round tries again.
 *
 * A node that was only cut off from Redis for longer than the TTL is swept too; when it comes
 * back its own connections are still counted by itself and it re-announces its heartbeat, but
 * the rows the sweep deleted are gone: its devices show offline until they reconnect. A TTL of
 * several renewal periods keeps that to real outages.
 */
export class NodeHeartbeat {
  private redis: Redis;
  private timer: NodeJS.Timeout | null = null;
  private ttlMs: number;
  private everyMs: number;
  private round: Promise<void> | null = null;
  /** When this node's last heartbeat was stored. */
  private lastBeat = 0;
  /** No sweep before this: after an outage every live node must first have beaten again. */
  private sweepAfter = 0;

  constructor(
    url: string,
    readonly nodeId: string,
    /** Drops what the dead node left (its connection rows) and announces the changes. */
    private sweepNode: (nodeId: string) => Promise<void>,
    private log: Logger,
    opts: HeartbeatOptions = {},
  ) {
    this.redis = openRedis(url, 'heartbeat', log);
    this.ttlMs = opts.ttlMs ?? 5000;
    this.everyMs = opts.everyMs ?? Math.max(100, Math.floor(this.ttlMs / 3));
  }

  /** Beats once (so the node counts as alive before it accepts connections), then on a timer. */
  async start() {
    await this.beat();
    this.timer = setInterval(() => {
      // One round at a time: while Redis is away a round waits for it, and rounds must not pile up.
      this.round ??= this.tick().finally(() => (this.round = null));
    }, this.everyMs);
    this.timer.unref();
  }

  /** Stops beating and removes the heartbeat: a node stopped cleanly has already closed its rows. */
  async stop() {
    if (this.timer) clearInterval(this.timer);
    if (this.redis.status !== 'ready') {
      this.redis.disconnect(); // Redis away: the round waiting on it fails; the key runs out itself
      return;
    }
    await this.round?.catch(() => {});
    if (this.redis.status === 'ready') {
      await this.redis
        .multi()
        .del(aliveKey(this.nodeId))
        .srem(NODES_KEY, this.nodeId)
        .exec()
        .catch(() => {});
    }
    await closeRedis(this.redis);
  }

  private async tick() {
    try {
      await this.beat();
      if (Date.now() >= this.sweepAfter) await this.sweep();
    } catch (err) {
      this.log.debug({ err: (err as Error).message }, 'heartbeat round failed; next round retries');
    }
  }

  private async beat() {
    await this.redis.multi().set(aliveKey(this.nodeId), '1', 'PX', this.ttlMs).sadd(NODES_KEY, this.nodeId).exec();
    const now = Date.now();
    // Silent longer than a heartbeat lasts (Redis was away, or this process stalled): the other
    // nodes' heartbeats may have run out for the same reason. Give them a full TTL to beat again
    // before taking any of them for dead, or a Redis outage would sweep every live node.
    if (this.lastBeat && now - this.lastBeat > this.ttlMs) this.sweepAfter = now + this.ttlMs;
    this.lastBeat = now;
  }

  private async sweep() {
    for (const id of await this.redis.smembers(NODES_KEY)) {
      if (id === this.nodeId || (await this.redis.exists(aliveKey(id)))) continue;
      // One survivor sweeps; the claim expires, so a survivor that died mid-sweep is replaced.
      const claimed = await this.redis.set(sweepKey(id), this.nodeId, 'PX', this.ttlMs * 2, 'NX');
      if (claimed !== 'OK') continue;
      this.log.warn({ node: id }, 'hub node stopped beating; dropping its connections');
      await this.sweepNode(id);
      await this.redis.srem(NODES_KEY, id);
    }
  }
}
