import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Camera } from '../../src/camera/camera';
import type { Frame } from '../../src/camera/frame-reader';
import type { LocalCameraStatus } from '../../src/camera/watchdog';
import { CameraConfig } from '../../src/config';
import { testVideo } from '../../../scripts/demo/media';
import { startRtspServer, type RtspServer } from '../support/rtsp-server';
import { cpuSeconds, waitFor } from '../support/wait';

let rtsp: RtspServer;
let dir: string;

beforeAll(async () => {
  rtsp = await startRtspServer({ mounts: { cam1: await testVideo() } });
  dir = mkdtempSync(join(tmpdir(), 'edge-ingest-'));
});
afterAll(async () => {
  await rtsp?.close();
  rmSync(dir, { recursive: true, force: true });
});

function makeCamera(overrides: Partial<ConstructorParameters<typeof Camera>[0]> = {}) {
  const frames: Frame[] = [];
  const statuses: LocalCameraStatus[] = [];
  const camera = new Camera({
    camera: CameraConfig.parse({
      id: 'cam1',
      name: 'Till',
      url: rtsp.url('cam1'),
      detectFps: 5,
      detectSize: { width: 384, height: 288 },
    }),
    segmentDir: join(dir, `ring-${Math.random().toString(36).slice(2)}`),
    segmentSeconds: 2,
    watchdogTimeoutSeconds: 5,
    onFrame: (f) => frames.push(f),
    onStatus: (s) => statuses.push(s),
    ...overrides,
  });
  return { camera, frames, statuses };
}

describe('camera ingest from a real RTSP server', () => {
  it('delivers frames of the detect size at about the detect fps, over TCP', async () => {
    const { camera, frames, statuses } = makeCamera();
    camera.start();
    try {
      await waitFor(() => frames.length > 0, 20_000, 'first frame');
      expect(statuses[0]).toMatchObject({ cameraId: 'cam1', name: 'Till', status: 'online', reason: null });
      // let the frames held back while ffmpeg probed the stream drain first
      await new Promise((r) => setTimeout(r, 2000));
      const pid = camera.pid!;
      const cpu0 = await cpuSeconds(pid);
      const n0 = frames.length;
      const t0 = Date.now();
      await new Promise((r) => setTimeout(r, 8000));
      const fps = ((frames.length - n0) * 1000) / (Date.now() - t0);
      const cpu = (await cpuSeconds(pid)) - cpu0;
      console.log(`ingest: ${fps.toFixed(2)} frames/s, ffmpeg CPU ${((cpu / 8) * 100).toFixed(1)}% of one core`);
      expect(fps).toBeGreaterThan(4);
      expect(fps).toBeLessThan(6);
      for (const f of frames) {
        expect(f).toMatchObject({ cameraId: 'cam1', width: 384, height: 288 });
        expect(f.rgb.length).toBe(384 * 288 * 3);
      }
      // not a blank picture: the frame has real content
      const sample = frames.at(-1)!.rgb;
      expect(new Set(sample.subarray(0, 30_000)).size).toBeGreaterThan(50);
      // capture times increase
      expect(frames.every((f, i) => i === 0 || f.capturedAt >= frames[i - 1].capturedAt)).toBe(true);
    } finally {
      await camera.stop();
    }
    expect(statuses.at(-1)).toMatchObject({ status: 'offline', reason: 'stopped' });
  });

  it('reports offline when the camera goes away and online when it is back', async () => {
    const { camera, frames, statuses } = makeCamera();
    camera.start();
    try {
      await waitFor(() => camera.status?.status === 'online', 20_000, 'online');
      const stoppedAt = Date.now();
      await rtsp.stop();
      const offline = await waitFor(() => statuses.find((s) => s.status === 'offline'), 25_000, 'offline');
      const offlineAfter = Date.now() - stoppedAt;
      // stay away long enough for the backoff to reach its 10 s cap
      await new Promise((r) => setTimeout(r, 18_000));
      expect(camera.status?.status).toBe('offline');
      const startedAt = Date.now();
      await rtsp.start();
      const before = frames.length;
      await waitFor(() => camera.status?.status === 'online' && frames.length > before, 15_000, 'online again');
      const onlineAfter = Date.now() - startedAt;
      console.log(
        `camera loss: offline after ${offlineAfter} ms (${offline.reason}); back online ${onlineAfter} ms ` +
          `after the server restarted; ${camera.restarts} ffmpeg restarts`,
      );
      expect(offline.reason).toBeTruthy();
      expect(offlineAfter).toBeLessThan(25_000);
      expect(onlineAfter).toBeLessThan(15_000);
    } finally {
      await camera.stop();
    }
  }, 90_000);

  it('reports offline when a camera keeps the connection but stops sending, and recovers', async () => {
    const { camera, statuses } = makeCamera({ watchdogTimeoutSeconds: 3 });
    camera.start();
    try {
      await waitFor(() => camera.status?.status === 'online', 20_000, 'online');
      const pausedAt = Date.now();
      rtsp.pause();
      const offline = await waitFor(() => statuses.find((s) => s.status === 'offline'), 15_000, 'offline');
      const offlineAfter = Date.now() - pausedAt;
      rtsp.resume();
      const resumedAt = Date.now();
      await waitFor(() => camera.status?.status === 'online', 15_000, 'online again');
      console.log(
        `stalled camera: offline after ${offlineAfter} ms (${offline.reason}); online ` +
          `${Date.now() - resumedAt} ms after resume`,
      );
      expect(offlineAfter).toBeLessThan(10_000);
    } finally {
      rtsp.resume();
      await camera.stop();
    }
  });

  it('decodes one stream and records another of the same camera in one ffmpeg process', async () => {
    const segmentDir = join(dir, 'ring-two-inputs');
    const { camera, frames } = makeCamera({
      camera: CameraConfig.parse({
        id: 'cam1',
        name: 'Till',
        url: rtsp.url('cam1'),
        recordUrl: rtsp.url('cam1'),
        detectSize: { width: 192, height: 144 },
      }),
      segmentDir,
    });
    camera.start();
    try {
      await waitFor(() => frames.length >= 5, 20_000, 'frames');
      await waitFor(
        () =>
          readdirSync(segmentDir).some(
            (f) => f.endsWith('.csv') && readFileSync(join(segmentDir, f), 'utf8').includes('.ts,'),
          ),
        20_000,
        'a finished segment',
      );
      expect(frames[0].rgb.length).toBe(192 * 144 * 3);
    } finally {
      await camera.stop();
    }
  });

  it('also pulls over UDP when the camera is configured so', async () => {
    const { camera, frames } = makeCamera({
      camera: CameraConfig.parse({
        id: 'cam1',
        name: 'Till',
        url: rtsp.url('cam1'),
        rtspTransport: 'udp',
        detectSize: { width: 192, height: 144 },
      }),
    });
    camera.start();
    try {
      await waitFor(() => frames.length >= 5, 20_000, 'frames over UDP');
    } finally {
      await camera.stop();
    }
  });

  it('reports error when ffmpeg itself is missing, and keeps retrying', async () => {
    const { camera, statuses } = makeCamera({
      ffmpegPath: '/nonexistent/ffmpeg',
      backoffInitialMs: 50,
      backoffMaxMs: 100,
    });
    camera.start();
    try {
      const status = await waitFor(() => statuses[0], 5000, 'a status');
      expect(status).toMatchObject({ status: 'error', reason: 'no ffmpeg at /nonexistent/ffmpeg' });
      await waitFor(() => camera.restarts >= 2, 5000, 'retries');
      expect(statuses).toHaveLength(1); // the same status is not repeated
    } finally {
      await camera.stop();
    }
  });

  it('reports error for a stream the camera does not have', async () => {
    const { camera, statuses } = makeCamera({
      camera: CameraConfig.parse({
        id: 'cam9',
        name: 'Nope',
        url: rtsp.url('nope').replace('rtsp://', 'rtsp://viewer:topsecret@'),
        detectSize: { width: 64, height: 48 },
      }),
    });
    camera.start();
    try {
      const status = await waitFor(() => statuses.find((s) => s.status !== 'online'), 20_000, 'a failure');
      expect(status).toMatchObject({ status: 'error' });
      expect(status.reason).toMatch(/no such stream/);
      expect(status.reason).not.toContain('topsecret'); // credentials never reach logs or the hub
    } finally {
      await camera.stop();
    }
  });
});
