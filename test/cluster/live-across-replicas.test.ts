import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { AuditEntry, topics } from '@shopwatch/protocols';
import { TestViewer } from '../edge-hub/support/live';
import { useLiveNodes, wsOf } from './support/live-nodes';
import { login, tempDir, testScheme, writeSeed } from '../../hub/test/support/hub';
import { sleep } from '../../hub/test/support/mqtt';

const TESCO_SECRET = 'edge-tesco-secret-for-tests';

/**
 * Issue 14: live view when the edge box and the browser are on different hub nodes. The box's
 * MQTT connection and its live socket reach node A (as the front door may send them); the
 * operator watches on node C. C asks for the stream, A relays the box's socket to C, and C runs
 * the stream exactly as on one node: the same authorisation, the same audit.
 */
describe('live view across hub nodes', () => {
  // A second edge box in the scheme, for the test of a box offering another box's stream.
  const nodes = useLiveNodes(async (a) => {
    const seed = testScheme();
    seed.devices!.push({ id: 'edge-tesco', kind: 'edge', scheme: 'town', store: 'tesco', secret: TESCO_SECRET });
    await a.reprovision(writeSeed(tempDir(), seed));
  });

  it('streams to a viewer on C a camera whose edge box is connected to A, and audits the view on C', async () => {
    const { a, c } = nodes;
    const op = await login(c.http, 'operator', 'operator-password');
    const viewer = await TestViewer.open(wsOf(c), op, 'edge-boots', 'door', 'watching from the control room');
    await viewer.until(() => viewer.fragments.length >= 3, 30_000);
    expect(viewer.error()).toBeUndefined();
    // The init segment first, then fragments in order, as on one node.
    const seqs = viewer.fragments.map((f) => f.sequence);
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    expect(c.services.live.sessions.active).toHaveLength(1);
    expect(a.services.live.sessions.active).toHaveLength(0); // A only relays bytes

    await viewer.close();
    const admin = await login(c.http, 'admin', 'admin-password');
    const entries = async () => {
      const r = await fetch(`${c.http}/api/audit?limit=100`, { headers: { authorization: `Bearer ${admin}` } });
      return AuditEntry.array()
        .parse(await r.json())
        .filter((e) => e.object.kind === 'camera' && e.object.id === 'edge-boots/door' && e.actor.id === 'operator');
    };
    await expect
      .poll(async () => (await entries()).map((e) => (e.detail as { what: string }).what).sort(), { timeout: 5000 })
      .toEqual(['live view closed', 'live view opened']);
  }, 60_000);

  it('refuses a warden on C as on one node: the edge box is never asked, no byte is sent', async () => {
    const { c, edge } = nodes;
    const asked: string[] = [];
    const onRequest = (topic: string) => topic === topics.liveRequest('town', 'edge-boots') && asked.push(topic);
    edge.client.on('message', onRequest);
    try {
      const warden = await login(c.http, 'warden', 'warden-password');
      const v = await TestViewer.open(wsOf(c), warden, 'edge-boots', 'door');
      await v.until(() => v.error() !== undefined);
      expect(v.error()!.error.code).toBe('forbidden');
      await v.closed;
      await sleep(500);
      expect(v.segments).toHaveLength(0);
      expect(asked).toEqual([]);
    } finally {
      edge.client.off('message', onRequest);
    }
  }, 30_000);

  it("does not relay another box's socket for a stream C asked of edge-boots", async () => {
    const { a, c } = nodes;
    const op = await login(c.http, 'operator', 'operator-password');
    const viewer = await TestViewer.open(wsOf(c), op, 'edge-boots', 'door', 'second look');
    try {
      await viewer.until(() => viewer.fragments.length >= 1, 30_000);
      const streamId = c.services.live.sessions.session('edge-boots', 'door')!.streamId;
      // Another edge box of the scheme, with its own valid credentials, offers that stream on A.
      const auth = `Basic ${Buffer.from(`edge-tesco:${TESCO_SECRET}`).toString('base64')}`;
      const intruder = new WebSocket(`${wsOf(a)}/live/edge?stream=${streamId}`, { headers: { authorization: auth } });
      intruder.on('error', () => {});
      const closed = await new Promise<number>((r) => {
        intruder.on('close', (code) => r(code));
        intruder.on('unexpected-response', (_req, res) => r(res.statusCode ?? 0));
      });
      expect(closed).toBe(1008); // authenticated on A, relayed, refused by C: not the stream it asked edge-boots for
      // The viewer still gets edge-boots' stream, and only it: fragments keep coming in order.
      const before = viewer.fragments.length;
      await viewer.until(() => viewer.fragments.length >= before + 2, 30_000);
      const seqs = viewer.fragments.map((f) => f.sequence);
      expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    } finally {
      await viewer.close();
    }
  }, 60_000);

  it('serves a viewer on C the thumbnail of a camera whose box is connected to A, relayed like a stream', async () => {
    const { c, edge } = nodes;
    const asked: string[] = [];
    const onRequest = (topic: string, payload: Buffer) =>
      topic === topics.liveRequest('town', 'edge-boots') && asked.push(JSON.parse(payload.toString()).action);
    edge.client.on('message', onRequest);
    try {
      const op = await login(c.http, 'operator', 'operator-password');
      const get = () =>
        fetch(`${c.http}/api/live/thumbnails/edge-boots/door`, { headers: { authorization: `Bearer ${op}` } });
      const first = await get();
      expect(first.status).toBe(200);
      expect(first.headers.get('content-type')).toBe('image/jpeg');
      const jpeg = Buffer.from(await first.arrayBuffer());
      expect([jpeg[0], jpeg[1], jpeg.at(-2), jpeg.at(-1)]).toEqual([0xff, 0xd8, 0xff, 0xd9]);
      // The box dialled A (its only hub address); C, which asked, got the picture through A.
      expect(asked.filter((a) => a === 'thumbnail')).toHaveLength(1);
      // C keeps it for 10 s like one node: a second look does not ask the box again.
      const again = await get();
      expect(Buffer.from(await again.arrayBuffer()).equals(jpeg)).toBe(true);
      expect(asked.filter((a) => a === 'thumbnail')).toHaveLength(1);
      // Scope as on one node: a warden on C may not see the camera, so gets no picture.
      const warden = await login(c.http, 'warden', 'warden-password');
      const refused = await fetch(`${c.http}/api/live/thumbnails/edge-boots/door`, {
        headers: { authorization: `Bearer ${warden}` },
      });
      expect(refused.status).toBe(403);
    } finally {
      edge.client.off('message', onRequest);
    }
  }, 60_000);
});
