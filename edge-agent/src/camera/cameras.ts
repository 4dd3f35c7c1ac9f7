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
 * Seconds of finished footage a ring keeps (a segment is deleted once it ENDED longer ago than
 * this): the pre-roll, plus the match window T (a candidate's best frame, on which its clip is
 * centred, can be up to T old when the K-th matching frame confirms it), plus one segment (the
 * one straddling the start of the pre-roll). Nothing more: the buffer records everybody (issue
 * 11.2). Clips waiting for their post-roll hold exactly their own span, so while one waits the
 * ring holds at most pre-roll + post-roll + one segment of it.
 */
export function ringKeepSeconds(
  evidence: { preRollSeconds: number; segmentSeconds: number },
  matchWindowSeconds = 0,
): number {
  return evidence.preRollSeconds + matchWindowSeconds + evidence.segmentSeconds;
}

/**
 * The rolling buffer (`<evidence.bufferDir>/<cameraId>`) of every enabled camera, not started:
 * built before the evidence recorder that cuts clips from them, started with their cameras.
 */
export function buildRings(cfg: EdgeConfig): Map<string, SegmentRing> {
  const rings = new Map<string, SegmentRing>();
  for (const camera of cfg.cameras.filter((c) => c.enabled)) {
    const ring = new SegmentRing({
      dir: join(cfg.evidence.bufferDir, camera.id),
      segmentSeconds: cfg.evidence.segmentSeconds,
      keepSeconds: ringKeepSeconds(cfg.evidence, cfg.thresholds.windowSeconds),
      // Pruned four times a segment, so a finished segment outlives the window by < 1/4 segment.
      pruneIntervalMs: Math.min(1000, (cfg.evidence.segmentSeconds * 1000) / 4),
    });
    rings.set(camera.id, ring);
  }
  return rings;
}

/**
 * Builds and starts every enabled camera of the config with its rolling buffer (`rings`, by
 * default built here by {@link buildRings}).
 *
 * @example
 * const set = startCameras(cfg, { onFrame: (f) => matcher.push(f), onStatus: (s) => uplink.reportCamera(s) });
 * ...; await set.stop();
 */
export function startCameras(
  cfg: EdgeConfig,
  handlers: { onFrame: (frame: Frame) => void; onStatus?: StatusListener },
  rings: Map<string, SegmentRing> = buildRings(cfg),
): CameraSet {
  const cameras = new Map<string, Camera>();
  for (const camera of cfg.cameras.filter((c) => c.enabled)) {
    const segmentDir = join(cfg.evidence.bufferDir, camera.id);
    const ring = rings.get(camera.id);
    if (!ring) throw new Error(`no rolling buffer for camera ${camera.id}`);
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
