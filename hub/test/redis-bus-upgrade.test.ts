import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HubEvents } from '../src/bus';
import { BUS_CHANNEL, RedisEventBus } from '../src/cluster/redis-bus';
import { BATCH_READERS_CHANNEL } from '../src/cluster/redis-bus-deliveries';
import { logger } from '../src/log';
import { sleep } from './support/mqtt';
import { type TestRedis, startRedis } from './support/redis';

const delivery = (i: number): HubEvents['delivery'] => ({
  scheme: 'town',
  zone: 'north',
  alertId: `a${i % 7}`,
  // Some ids beyond ASCII: the single messages are cut from the joined text by their UTF-8 lengths.
  deviceId: i % 2 ? `r${i}` : `r${i}-ü€😀`,
  seq: i,
});

async function until(what: string, check: () => boolean, ms = 10_000) {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await sleep(20);
  }
}

/** What one node put on the channel: each message's form (`events` batch or single `event`). */
function formsFrom(onChannel: string[], origin: string) {
  const mine = onChannel.map((t) => JSON.parse(t)).filter((m) => m.origin === origin);
  return {
    batches: mine.filter((m) => m.kind === 'delivery' && Array.isArray(m.events)).length,
    singles: mine.filter((m) => m.kind === 'delivery' && m.event).length,
    others: mine.filter((m) => m.kind !== 'delivery').map((m) => m.kind),
  };
}

/**
 * Issue 14, rolling upgrade: a node of the version before batching reads single delivery events
 * only (a batch is an unknown message to it, and its browsers would miss receipt ticks). While
 * one listens on the channel every node sends deliveries one by one; once it is gone, batches.
 */
describe('delivery events while an older node is in the cluster', () => {
  let redis: TestRedis;
  let newer: RedisEventBus;
  let peer: RedisEventBus;
  let watch: Redis;
  const onChannel: string[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    newer = new RedisEventBus(redis.url, logger('test:bus-newer'));
    peer = new RedisEventBus(redis.url, logger('test:bus-peer'));
    await Promise.all([newer.start(), peer.start()]);
    // A pattern subscription sees every message without being counted as a reader of the channel.
    watch = new Redis(redis.url);
    watch.on('pmessage', (_p: string, _c: string, text: string) => onChannel.push(text));
    await watch.psubscribe(BUS_CHANNEL);
  });

  afterAll(async () => {
    watch?.disconnect();
    await newer?.stop();
    await peer?.stop();
    await redis?.stop();
  });

  /** Emits 300 deliveries, a gallery event and one more delivery, all in one turn, from `newer`. */
  async function burst(from: number, receivers: RedisEventBus[]) {
    const seen = receivers.map((bus) => {
      const got: string[] = [];
      const offs = [
        bus.on('delivery', (e) => got.push(JSON.stringify(e))),
        bus.on('gallery', (e) => got.push(`g${e.version}`)),
      ];
      return { got, offs };
    });
    onChannel.length = 0;
    for (let i = from; i < from + 300; i++) newer.emit('delivery', delivery(i));
    newer.emit('gallery', { scheme: 'town', version: from, at: new Date().toISOString() });
    newer.emit('delivery', delivery(from + 300));
    const d = (i: number) => JSON.stringify(delivery(i));
    const want = [...Array.from({ length: 300 }, (_, i) => d(from + i)), `g${from}`, d(from + 300)];
    await until('every receiver has all 302', () => seen.every((s) => s.got.length >= want.length));
    await sleep(300); // a duplicate would show by now
    for (const s of seen) {
      for (const off of s.offs) off();
      expect(s.got).toEqual(want);
    }
    return formsFrom(onChannel, newer.nodeId);
  }

  it('sends one message per delivery while an older node listens, and the older node gets every one', async () => {
    const older = new RedisEventBus(redis.url, logger('test:bus-older'), { deliveryBatches: false });
    await older.start();
    try {
      // Every delivery and the gallery event reach the older node and the new peer, in emit order.
      expect(await burst(1000, [older, peer])).toEqual({ batches: 0, singles: 301, others: ['gallery'] });

      // The older node's own deliveries go out one by one as before and reach the newer nodes.
      const got: number[] = [];
      const off = newer.on('delivery', (e) => got.push(e.seq));
      for (let i = 1; i <= 3; i++) older.emit('delivery', delivery(i));
      await until('the newer node has the older one’s three', () => got.length >= 3);
      off();
      expect(got).toEqual([1, 2, 3]);
    } finally {
      await older.stop();
    }
  });

  it('goes back to one message per turn once the older node has left', async () => {
    // The older node closed its connection: the next turn's deliveries go as one batch (before
    // and after the gallery event, which keeps its place).
    expect(await burst(2000, [peer])).toEqual({ batches: 2, singles: 0, others: ['gallery'] });
  });

  it('sends one by one again from the first turn after an older node subscribed', async () => {
    const late = new RedisEventBus(redis.url, logger('test:bus-late'), { deliveryBatches: false });
    await late.start();
    try {
      // No heartbeat round to wait for: Redis decides at the moment it publishes.
      expect(await burst(3000, [late, peer])).toEqual({ batches: 0, singles: 301, others: ['gallery'] });
    } finally {
      await late.stop();
    }
    expect(await burst(4000, [peer])).toEqual({ batches: 2, singles: 0, others: ['gallery'] });
  });
  it('still serves an older node one by one after Redis restarted (both channels re-subscribed at once)', async () => {
    const older = new RedisEventBus(redis.url, logger('test:bus-older-2'), { deliveryBatches: false });
    await older.start();
    try {
      await redis.restart();
      // Every connection is back once the channels have their three subscribers again.
      const probe = new Redis(redis.url);
      const counts = async () => (await probe.pubsub('NUMSUB', BUS_CHANNEL, BATCH_READERS_CHANNEL)) as unknown[];
      await expect.poll(counts, { timeout: 15_000, interval: 100 }).toEqual([BUS_CHANNEL, 3, BATCH_READERS_CHANNEL, 2]);
      // …and the watcher its pattern.
      await expect.poll(() => probe.pubsub('NUMPAT'), { timeout: 15_000, interval: 100 }).toBe(1);
      probe.disconnect();
      expect(await burst(5000, [older, peer])).toEqual({ batches: 0, singles: 301, others: ['gallery'] });
    } finally {
      await older.stop();
    }
    expect(await burst(6000, [peer])).toEqual({ batches: 2, singles: 0, others: ['gallery'] });
  }, 60_000);
});
