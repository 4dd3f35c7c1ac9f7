import { afterAll, beforeAll } from 'vitest';
import { type LiveEdge, startLiveEdge } from '../../edge-hub/support/live';
import { TestCluster } from '../../../hub/test/support/cluster';
import { type TestRedis, startRedis } from '../../../hub/test/support/redis';

export type Node = Awaited<ReturnType<TestCluster['start']>>;
export const wsOf = (n: Node) => n.http.replace('http', 'ws');

export interface LiveNodes {
  redis: TestRedis;
  /** The node the edge box's MQTT connection and live socket reach (as the front door may send them). */
  a: Node;
  /** The node the operator watches on. */
  c: Node;
  edge: LiveEdge;
}

/**
 * Two hub nodes joined through a real Redis, with the real edge streamer connected to node A, for
 * the calling describe block: started before its first test, stopped after its last. `before`
 * runs on A once both nodes are up and before the box connects (e.g. to provision another box).
 * Read the fields inside tests, not at describe time.
 */
export function useLiveNodes(before?: (a: Node) => Promise<void>): LiveNodes {
  const ctx = {} as LiveNodes;
  let cluster: TestCluster | undefined;
  beforeAll(async () => {
    ctx.redis = await startRedis();
    cluster = new TestCluster(ctx.redis.url);
    ctx.a = await cluster.start('node-a');
    ctx.c = await cluster.start('node-c');
    await before?.(ctx.a);
    ctx.edge = await startLiveEdge({ mqttPort: ctx.a.mqttPort, http: ctx.a.http });
  }, 90_000);
  afterAll(async () => {
    await ctx.edge?.stop();
    await cluster?.stop();
    await ctx.redis?.stop();
  }, 60_000);
  return ctx;
}
