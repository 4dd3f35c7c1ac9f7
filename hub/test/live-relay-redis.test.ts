import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestCluster } from './support/cluster';
import { type TestRedis, startRedis } from './support/redis';

type Node = Awaited<ReturnType<TestCluster['start']>>;
const BOOTS = `Basic ${Buffer.from('edge-boots:edge-boots-secret-for-tests').toString('base64')}`;

/** What the box sees when it dials `/live/edge`: an HTTP refusal (status and body), or a socket closed with a code. */
type Outcome = { status: number; body: unknown; ms: number } | { closed: number; ms: number };

function dialEdge(node: Node, streamId: string): Promise<Outcome> {
  const t0 = Date.now();
  const ws = new WebSocket(`${node.http.replace('http', 'ws')}/live/edge?stream=${streamId}`, {
    headers: { authorization: BOOTS },
    handshakeTimeout: 10_000,
  });
  return new Promise((resolve, reject) => {
    ws.on('unexpected-response', (_req, res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text), ms: Date.now() - t0 }));
    });
    ws.on('close', (code) => resolve({ closed: code, ms: Date.now() - t0 }));
    ws.on('error', (err) => {
      if (!/Unexpected server response/.test(err.message)) reject(err);
    });
  });
}

/**
 * Issue 14: a node that gets an edge box's live socket for a stream it does not wait for asks Redis
 * which node does. When Redis is away the answer is unknown: the box must be told to try again
 * (503), not that its request was bad, and not be left hanging until its handshake times out.
 */
describe('live edge socket while Redis is away', () => {
  let redis: TestRedis;
  let cluster: TestCluster;
  let a: Node;

  beforeAll(async () => {
    redis = await startRedis();
    cluster = new TestCluster(redis.url);
    a = await cluster.start('node-a');
  }, 90_000);

  afterAll(async () => {
    await cluster?.stop();
    await redis?.stop();
  }, 60_000);

  it('answers 503 unavailable within the lookup bound, and the usual refusal once Redis is back', async () => {
    const streamId = randomBytes(16).toString('base64url');
    let down: Outcome | undefined;
    await redis.restart(async () => {
      down = await dialEdge(a, streamId);
    });
    expect(down).toMatchObject({ status: 503, body: { code: 'unavailable' } });
    // 2 s lookup bound plus margin for a loaded machine; the box's own handshake time-out is 10 s.
    expect(down!.ms).toBeLessThan(8000);

    // Redis back: the lookup answers "nobody", so the box's socket is taken here and refused as
    // a stream nobody asked for, as on one node.
    await expect.poll(() => dialEdge(a, streamId), { timeout: 20_000, interval: 500 }).toMatchObject({ closed: 1008 });
  }, 60_000);
});
