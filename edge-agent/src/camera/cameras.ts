import { join } from 'node:path';
import type { EdgeConfig } from '../config';
import { SegmentRing } from '../evidence/segment-ring';
import { Camera } from './camera';
import type { Frame } from './frame-reader';
import type { StatusListener } from './watchdog';

export interface CameraSet {
  cameras: Map<string, Camera>;
  rings: Map<string, SegmentRing>;
  stop(): Promise<void>;
}

/**
 * Seconds of segments a ring keeps: the pre-roll plus two segments (a clip starts at the key
 * frame before its window) and some slack. Clips waiting for their post-roll hold their own
 * segments, so the post-roll does not have to fit in the window.
 */
export function ringKeepSeconds(cfg: EdgeConfig['evidence']): number {
  return cfg.preRollSeconds + 2 * cfg.segmentSeconds + 4;
}

/**
 * Builds and starts every enabled camera of the config with its rolling buffer
 * (`<evidence.bufferDir>/<cameraId>`).
 *
 * @example
 * const set = startCameras(cfg, { onFrame: (f) => matcher.push(f), onStatus: (s) => uplink.reportCamera(s) });
 * ...; await set.stop();
 */
export function startCameras(cfg: EdgeConfig, handlers: { onFrame: (frame: Frame) => void; onStatus?: StatusListener }): CameraSet {
  const cameras = new Map<string, Camera>();
  const rings = new Map<string, SegmentRing>();
  for (const camera of cfg.cameras.filter((c) => c.enabled)) {
    const segmentDir = join(cfg.evidence.bufferDir, camera.id);
    const ring = new SegmentRing({ dir: segmentDir, segmentSeconds: cfg.evidence.segmentSeconds, keepSeconds: ringKeepSeconds(cfg.evidence) });
    const cam = new Camera({
      camera,
      segmentDir,
      segmentSeconds: cfg.evidence.segmentSeconds,
      ffmpegPath: cfg.ffmpegPath,
      watchdogTimeoutSeconds: cfg.watchdog.timeoutSeconds,
      backoffInitialMs: cfg.watchdog.backoffInitialMs,
      backoffMaxMs: cfg.watchdog.backoffMaxMs,
      onFrame: handlers.onFrame,
      onStatus: handlers.onStatus,
    });
    cam.start();
    ring.start();
    cameras.set(camera.id, cam);
    rings.set(camera.id, ring);
  }
  return {
    cameras,
    rings,
    async stop() {
      await Promise.all([...cameras.values()].map((c) => c.stop()));
      for (const r of rings.values()) r.stop();
    },
  };
}
