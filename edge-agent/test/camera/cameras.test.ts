import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ringKeepSeconds, startCameras } from '../../src/camera/cameras';
import type { Frame } from '../../src/camera/frame-reader';
import type { LocalCameraStatus } from '../../src/camera/watchdog';
import { loadConfig } from '../../src/config';
import { testVideo } from '../../../scripts/demo/media';
import { startRtspServer, type RtspServer } from '../support/rtsp-server';
import { waitFor } from '../support/wait';

let rtsp: RtspServer;
let dir: string;

beforeAll(async () => {
  const video = await testVideo();
  rtsp = await startRtspServer({ mounts: { door: video, till: video } });
  dir = mkdtempSync(join(tmpdir(), 'edge-cameras-'));
});
afterAll(async () => {
  await rtsp?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('cameras from config', () => {
  it('starts every enabled camera of the config, each with its own rolling buffer', async () => {
    const cfg = loadConfig({
      file: fileURLToPath(new URL('../../edge.example.json', import.meta.url)),
      env: {
        SHOPWATCH_EDGE_CAMERAS: JSON.stringify([
          { id: 'door', name: 'Door', url: rtsp.url('door'), detectFps: 2, detectSize: { width: 160, height: 120 } },
          { id: 'till', name: 'Till', url: rtsp.url('till'), detectSize: { width: 320, height: 240 } },
          { id: 'yard', name: 'Yard', url: rtsp.url('yard'), detectSize: { width: 320, height: 240 }, enabled: false },
        ]),
        SHOPWATCH_EDGE_EVIDENCE__BUFFER_DIR: join(dir, 'ring'),
        SHOPWATCH_EDGE_EVIDENCE__ALLOW_DISK_BUFFER: 'true',
      },
    });
    const frames: Frame[] = [];
    const statuses: LocalCameraStatus[] = [];
    const set = startCameras(cfg, { onFrame: (f) => frames.push(f), onStatus: (s) => statuses.push(s) });
    try {
      expect([...set.cameras.keys()]).toEqual(['door', 'till']);
      await waitFor(() => statuses.filter((s) => s.status === 'online').length === 2, 20_000, 'both online');
      await waitFor(
        () => set.rings.get('door')!.segments().length > 0 && set.rings.get('till')!.segments().length > 0,
        20_000,
        'segments',
      );
      const sizes = new Set(frames.map((f) => `${f.cameraId}:${f.width}x${f.height}`));
      expect(sizes).toEqual(new Set(['door:160x120', 'till:320x240']));
      expect(set.rings.get('door')!.segments()[0].file).toContain(join(dir, 'ring', 'door'));
      // pre-roll + T + one segment
      expect(ringKeepSeconds(cfg.evidence, cfg.thresholds.windowSeconds)).toBe(10 + 3 + 2);
    } finally {
      await set.stop();
    }
    expect(
      statuses
        .filter((s) => s.reason === 'stopped')
        .map((s) => s.cameraId)
        .sort(),
    ).toEqual(['door', 'till']);
  });
});
