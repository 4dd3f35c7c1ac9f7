import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeHeartbeat } from '../src/cluster/redis-nodes';
import { logger } from '../src/log';
import { sleep } from './support/mqtt';
import { type TestRedis, startRedis } from './support/redis';

describe('node heartbeats in Redis', () => {
  let redis: TestRedis;
  const beats: NodeHeartbeat[] = [];
  const swept: string[] = [];
  const stopTimer = (hb: NodeHeartbeat) => clearInterval((hb as unknown as { timer: NodeJS.Timeout }).timer);
  const node = async (id: string, ttlMs = 1000) => {
    const log = logger(`test:${id}`);
    const hb = new NodeHeartbeat(redis.url, id, async (dead) => void swept.push(`${id} swept ${dead}`), log, { ttlMs });
    await hb.start();
    beats.push(hb);
    return hb;
  };

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    for (const hb of beats) await hb.stop();
    await redis?.stop();
  });

  it('does not take a live node for dead when Redis was away longer than a heartbeat lasts', async () => {
    await node('x', 3000);
    const y = await node('y', 3000);
    await sleep(1500);
    expect(swept).toEqual([]);
    // Redis is down for 3.5 s, so every heartbeat runs out (TTL 3 s). Node y is slower to come
    // back than x (on another machine its reconnect may come up to a retry period later): it
    // beats again only 2 s after Redis is back.
    stopTimer(y);
    await redis.restart(() => sleep(3500));
    await sleep(2000);
    await y.start();
    await sleep(2500);
    expect(swept).toEqual([]);
  }, 30_000);

  it('sweeps a node that stopped beating, once, within about a TTL', async () => {
    const z = await node('z');
    await sleep(500);
    // z stops renewing without saying goodbye (what SIGKILL does): stop its timer, keep its key.
    stopTimer(z);
    const stoppedAt = Date.now();
    while (!swept.some((s) => s.endsWith('swept z')) && Date.now() - stoppedAt < 5000) await sleep(50);
    expect(Date.now() - stoppedAt).toBeLessThan(5000);
    await sleep(1500);
    expect(swept.filter((s) => s.endsWith('swept z'))).toHaveLength(1); // x or y, not both
  }, 30_000);
});
