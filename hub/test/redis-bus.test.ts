import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HubEvents } from '../src/bus';
import { BUS_CHANNEL, RedisEventBus } from '../src/cluster/redis-bus';
import { ConfigError, loadConfig } from '../src/config';
import { logger } from '../src/log';
import { sleep } from './support/mqtt';
import { type TestRedis, startRedis } from './support/redis';

const gallery = (version: number): HubEvents['gallery'] => ({ scheme: 'town', version, at: new Date().toISOString() });

async function until(what: string, check: () => boolean, ms = 5000) {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await sleep(20);
  }
}

describe('the event bus shared through Redis', () => {
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
  });

  afterAll(async () => {
    raw?.disconnect();
    await one?.stop();
    await two?.stop();
    await redis?.stop();
  });

  it("calls each listener by origin: local ones for this node's events, remote ones for the others'", async () => {
    const seen: string[] = [];
    const offs = [
      one.on('gallery', (e) => seen.push(`one:any:${e.version}`)),
      one.on('gallery', (e) => seen.push(`one:local:${e.version}`), { origin: 'local' }),
      one.on('gallery', (e) => seen.push(`one:remote:${e.version}`), { origin: 'remote' }),
      two.on('gallery', (e) => seen.push(`two:any:${e.version}`)),
      two.on('gallery', (e) => seen.push(`two:local:${e.version}`), { origin: 'local' }),
      two.on('gallery', (e) => seen.push(`two:remote:${e.version}`), { origin: 'remote' }),
    ];
    one.emit('gallery', gallery(1));
    // This node's listeners are called at once, before emit returns.
    expect(seen).toEqual(['one:any:1', 'one:local:1']);
    await until('node two has it', () => seen.includes('two:remote:1'));
    await sleep(300); // a copy of its own event coming back to node one would show by now
    expect(seen.sort()).toEqual(['one:any:1', 'one:local:1', 'two:any:1', 'two:remote:1']);
    for (const off of offs) off();
  });

  it("keeps a node's events in the order it emitted them", async () => {
    const got: number[] = [];
    const off = two.on('gallery', (e) => got.push(e.version), { origin: 'remote' });
    for (let v = 1; v <= 300; v++) one.emit('gallery', gallery(v));
    await until('all 300 arrived', () => got.length === 300);
    expect(got).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
    off();
  });

  it('ignores what it cannot read on the channel and keeps delivering', async () => {
    const got: number[] = [];
    const off = two.on('gallery', (e) => got.push(e.version));
    await raw.publish(BUS_CHANNEL, 'not json');
    await raw.publish(BUS_CHANNEL, JSON.stringify({ origin: 'x', kind: 'constructor', event: {} }));
    await raw.publish(BUS_CHANNEL, JSON.stringify({ origin: 'x', kind: 'gallery', event: null }));
    one.emit('gallery', gallery(7));
    await until('the good event arrived', () => got.length > 0);
    await sleep(200);
    expect(got).toEqual([7]);
    off();
  });
});

describe('cluster configuration', () => {
  it('refuses a Redis address that is not a redis:// URL, naming the variable', () => {
    expect(() => loadConfig({ SHOPWATCH_REDIS_URL: 'http://127.0.0.1:6379' })).toThrow(ConfigError);
    expect(() => loadConfig({ SHOPWATCH_REDIS_URL: 'http://127.0.0.1:6379' })).toThrow(/SHOPWATCH_REDIS_URL/);
    expect(() => loadConfig({ SHOPWATCH_NODE_ID: '../etc' })).toThrow(/SHOPWATCH_NODE_ID/);
    const c = loadConfig({ SHOPWATCH_REDIS_URL: 'redis://cache:6379/0', SHOPWATCH_NODE_ID: 'hub-1' });
    expect(c).toMatchObject({ redisUrl: 'redis://cache:6379/0', nodeId: 'hub-1' });
    expect(loadConfig({}).redisUrl).toBeUndefined(); // no Redis: the single-machine hub
  });
});
