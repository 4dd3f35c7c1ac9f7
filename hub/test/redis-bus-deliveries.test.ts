import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HubEvents } from '../src/bus';
import { BUS_CHANNEL, RedisEventBus } from '../src/cluster/redis-bus';
import { logger } from '../src/log';
import { sleep } from './support/mqtt';
import { type TestRedis, startRedis } from './support/redis';

const delivery = (i: number): HubEvents['delivery'] => ({
  scheme: 'town',
  zone: 'north',
  alertId: `a${i % 7}`,
  deviceId: `r${i}`,
  seq: i,
});

async function until(what: string, check: () => boolean, ms = 10_000) {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await sleep(20);
  }
}

// Every radio confirms every alert: the receipts of one alert to a town's fleet are a burst of
// delivery events. They cross to the other nodes together, in order, among the other events.
describe('delivery events shared through Redis', () => {
  let redis: TestRedis;
  let one: RedisEventBus;
  let two: RedisEventBus;
  let raw: Redis;

  beforeAll(async () => {
    redis = await startRedis();
    one = new RedisEventBus(redis.url, logger('test:bus-one'));
    two = new RedisEventBus(redis.url, logger('test:bus-two'));
    await Promise.all([one.start(), two.start()]);
    raw = new Redis(redis.url);
    // A pattern subscription watches the channel without being counted among its subscribers
    // (a plain one would be taken for a node that may not read batches: redis-bus-deliveries.ts).
    await raw.psubscribe(BUS_CHANNEL);
  });

  afterAll(async () => {
    raw?.disconnect();
    await one?.stop();
    await two?.stop();
    await redis?.stop();
  });

  it('sends the deliveries of one turn as one message, each reaching the other node once, in order', async () => {
    const onChannel: string[] = [];
    const listen = (_p: string, _c: string, text: string) => onChannel.push(text);
    raw.on('pmessage', listen);
    const atTwo: number[] = [];
    const atOne: number[] = [];
    const offs = [two.on('delivery', (e) => atTwo.push(e.seq)), one.on('delivery', (e) => atOne.push(e.seq))];
    for (let i = 1; i <= 1000; i++) one.emit('delivery', delivery(i));
    expect(atOne).toHaveLength(1000); // this node's listeners: at once, as before
    await until('node two has all 1,000', () => atTwo.length >= 1000);
    await sleep(200);
    expect(atTwo).toEqual(atOne);
    expect(onChannel.length).toBeLessThanOrEqual(2); // one a turn (1,000 before)
    raw.off('pmessage', listen);
    for (const off of offs) off();
  });

  it('keeps deliveries and other events in the order they were emitted', async () => {
    const seen: string[] = [];
    const offs = [
      two.on('delivery', (e) => seen.push(`delivery:${e.seq}`)),
      two.on('gallery', (e) => seen.push(`gallery:${e.version}`)),
    ];
    one.emit('delivery', delivery(1));
    one.emit('delivery', delivery(2));
    one.emit('gallery', { scheme: 'town', version: 7, at: new Date().toISOString() });
    one.emit('delivery', delivery(3));
    await until('node two has all four', () => seen.length >= 4);
    expect(seen).toEqual(['delivery:1', 'delivery:2', 'gallery:7', 'delivery:3']);
    for (const off of offs) off();
  });

  it('ignores a batch with anything but events in it, and keeps taking the next ones', async () => {
    const seen: number[] = [];
    const off = two.on('delivery', (e) => seen.push(e.seq));
    const mallory = raw.duplicate(); // the subscribed connection cannot publish
    await mallory.publish(
      BUS_CHANNEL,
      JSON.stringify({ origin: 'mallory', kind: 'delivery', events: [delivery(1), 'not an event'] }),
    );
    mallory.disconnect();
    one.emit('delivery', delivery(2));
    await until('the good one arrives', () => seen.length > 0);
    await sleep(200);
    expect(seen).toEqual([2]);
    off();
  });
});
