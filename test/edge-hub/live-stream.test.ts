import { execFileSync } from 'node:child_process';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { type LiveEdge, TestViewer, login, processExists, startLiveEdge, startLiveHub } from './support/live';

/** The edge side of a live view: its ffmpeg never outlives the stream, whatever ends it. */
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

function ffmpegChildren(): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(process.pid), '-x', 'ffmpeg'])
      .toString()
      .trim()
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

async function gone(pid: number, withinMs: number): Promise<number> {
  const t0 = Date.now();
  while (processExists(pid) && Date.now() - t0 < withinMs) await new Promise((r) => setTimeout(r, 50));
  return Date.now() - t0;
}

describe('edge live stream', () => {
  it('stops its ffmpeg when the hub goes away mid-stream', async () => {
    const hub = await startLiveHub();
    cleanups.push(() => hub.stop());
    const edge: LiveEdge = await startLiveEdge(hub);
    cleanups.push(() => edge.stop());
    const v = await TestViewer.open(
      hub.ws,
      await login(hub.http, 'operator', 'operator-password'),
      'edge-boots',
      'door',
    );
    await v.until(() => v.fragments.length >= 3);
    const pid = [...edge.streamer.streams.values()][0]!.pid!;
    expect(processExists(pid)).toBe(true);
    await hub.stop();
    expect(await gone(pid, 5000)).toBeLessThan(5000);
    expect(edge.streamer.streams.size).toBe(0);
    // the viewer was told, not left with a frozen picture
    expect(v.messages.some((m) => m.type === 'ended')).toBe(true);
    // The view's end is in the audit log on disk although the hub stopped while it was open.
    const db = new Database(path.join(hub.dataDir, 'shopwatch.db'), { readonly: true });
    const rows = db.prepare("SELECT detail FROM audit WHERE object_kind = 'camera'").all() as { detail: string }[];
    db.close();
    expect(rows.map((r) => JSON.parse(r.detail).what)).toEqual(['live view opened', 'live view closed']);
  }, 60_000);

  it("never shows a viewer the camera's password, even in ffmpeg's error", async () => {
    const hub = await startLiveHub();
    cleanups.push(() => hub.stop());
    // Nothing listens on port 1: ffmpeg fails with "rtsp://admin:s3cret-pass@127.0.0.1:1/cam: Connection refused".
    const edge = await startLiveEdge(hub, { url: 'rtsp://admin:s3cret-pass@127.0.0.1:1/cam' });
    cleanups.push(() => edge.stop());
    const token = await login(hub.http, 'operator', 'operator-password');
    const v = await TestViewer.open(hub.ws, token, 'edge-boots', 'door');
    await v.until(() => v.messages.some((m) => m.type === 'ended'), 20_000);
    const ended = v.messages.find((m) => m.type === 'ended') as { reason: string };
    expect(ended.reason).toMatch(/rtsp:\/\/\*\*\*@127\.0\.0\.1:1\/cam: Connection refused/);
    expect(JSON.stringify(v.messages)).not.toContain('s3cret-pass');
    expect(JSON.stringify(v.messages)).not.toContain('admin:');
  }, 60_000);

  it('tells the viewer why a camera cannot be streamed and leaves no ffmpeg', async () => {
    const hub = await startLiveHub();
    cleanups.push(() => hub.stop());
    const edge = await startLiveEdge(hub, { url: '/nonexistent/camera.mp4' });
    cleanups.push(() => edge.stop());
    const v = await TestViewer.open(
      hub.ws,
      await login(hub.http, 'operator', 'operator-password'),
      'edge-boots',
      'door',
    );
    await v.until(() => v.messages.some((m) => m.type === 'ended'), 15_000);
    const ended = v.messages.find((m) => m.type === 'ended') as { reason: string };
    expect(ended.reason).toMatch(/could not stream: camera stream ended .*No such file/);
    expect(v.segments).toHaveLength(0);
    expect(edge.streamer.started).toBe(1);
    expect(edge.streamer.streams.size).toBe(0);
    expect(ffmpegChildren()).toEqual([]);
  }, 60_000);
});
