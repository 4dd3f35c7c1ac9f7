import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Vision, loadVision } from '@shopwatch/models';
import { TestViewer, login, processExists, startLiveHub } from './support/live';
import { tempDir } from '../../hub/test/support/hub';
import { type RunningAgent, startAgent } from '../../edge-agent/src/agent';
import { parseConfig } from '../../edge-agent/src/config';
import { testVideo } from '../../scripts/demo/media';
import { memoryDir } from '../../edge-agent/test/support/memory-dir';
import { type RtspServer, startRtspServer } from '../../edge-agent/test/support/rtsp-server';

/** The whole edge agent (detection running) answering a live view over its own MQTT connection. */
let hub: Awaited<ReturnType<typeof startLiveHub>>;
let rtsp: RtspServer;
let vision: Vision;
let agent: RunningAgent | null = null;

beforeAll(async () => {
  [hub, rtsp, vision] = await Promise.all([
    startLiveHub(),
    startRtspServer({ mounts: { cam1: await testVideo() } }),
    loadVision(),
  ]);
}, 120_000);

afterAll(async () => {
  await agent?.stop();
  await rtsp?.close();
  await vision?.close();
  await hub?.stop();
});

const ffmpegChildren = () => {
  try {
    return execFileSync('pgrep', ['-P', String(process.pid), '-x', 'ffmpeg'])
      .toString()
      .trim()
      .split('\n')
      .map(Number);
  } catch {
    return [];
  }
};

describe('edge agent live view', () => {
  it("streams a camera on the hub's request beside its detection ffmpeg, " +
    'and leaves no ffmpeg when it stops', async () => {
    const dir = tempDir('shopwatch-edge-live-');
    agent = await startAgent(
      parseConfig({
        hub: { mqttUrl: `mqtt://127.0.0.1:${hub.mqttPort}`, httpUrl: hub.http },
        device: { id: 'edge-boots', secret: 'edge-boots-secret-for-tests', scheme: 'town' },
        cameras: [
          {
            id: 'cam-1',
            name: 'Boots entrance',
            url: rtsp.url('cam1'),
            detectFps: 2,
            detectSize: { width: 384, height: 288 },
          },
        ],
        spool: { dir: path.join(dir, 'spool'), quotaBytes: '200MB' },
        // The pre-roll buffer must be memory-backed: the agent refuses a folder on a disk.
        evidence: { preRollSeconds: 2, postRollSeconds: 2, segmentSeconds: 1, bufferDir: memoryDir() },
        logLevel: 'warn',
      }),
      vision,
    );
    // The hub knows the camera once the agent has reported it online.
    const token = await login(hub.http, 'operator', 'operator-password');
    for (let i = 0; i < 100; i++) {
      const r = await fetch(`${hub.http}/api/live/cameras`, { headers: { authorization: `Bearer ${token}` } });
      if (((await r.json()) as { status: string }[]).some((c) => c.status === 'online')) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const detection = ffmpegChildren();
    expect(detection).toHaveLength(1); // the camera's own ffmpeg (detection and evidence ring)

    const v = await TestViewer.open(hub.ws, token, 'edge-boots', 'cam-1', 'checking the entrance');
    await v.until(() => v.fragments.length >= 5, 20_000);
    expect(agent.live.started).toBe(1);
    const livePid = [...agent.live.streams.values()][0]!.pid!;
    expect(ffmpegChildren().sort()).toEqual([...detection, livePid].sort());

    await agent.stop();
    agent = null;
    expect(processExists(livePid)).toBe(false);
    expect(ffmpegChildren()).toEqual([]);
    await v.until(() => v.messages.some((m) => m.type === 'ended'));
  }, 90_000);
});
