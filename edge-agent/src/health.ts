import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LocalCameraStatus } from './camera/watchdog';
import type { AgentEvents } from './events';
import type { GalleryStore } from './gallery/store';
import { SaturationReporter } from './inference/saturation';
import type { Logger } from './log';
import type { FaceMatcher } from './matching/matcher';
import type { SqliteSpool } from './spool/sqlite-spool';
import type { HubUplink } from './uplink/mqtt-uplink';

export interface HealthOptions {
  /** health.json is written here (the spool's folder). */
  dir: string;
  uplink: HubUplink;
  spool: SqliteSpool;
  gallery: GalleryStore;
  matcher: FaceMatcher;
  /** Each camera's last status, as reported to the hub. */
  cameras: Map<string, LocalCameraStatus>;
  events: AgentEvents;
  log: Logger;
  everyMs?: number;
}

/**
 * A heartbeat file for the container health check and the engineer at the box (health.json,
 * every 10 s and at once when the hub refuses a file), and the saturation report: frames skipped
 * for want of inference are shown on the camera, not only in health.json.
 */
export function startHealth(o: HealthOptions): { write: () => void; stop: () => void } {
  const everyMs = o.everyMs ?? 10_000;
  const saturation = new SaturationReporter(everyMs / 1000);
  const write = () => {
    const health = {
      at: new Date().toISOString(),
      hubConnected: o.uplink.connected,
      cameras: Object.fromEntries([...o.cameras].map(([id, s]) => [id, s.status])),
      spool: { ...o.spool.usage(), refused: o.spool.refused(20) },
      gallery: { version: o.gallery.version, templates: o.gallery.all().length, skipped: o.gallery.skipped },
      matcher: o.matcher.stats,
    };
    try {
      writeFileSync(join(o.dir, 'health.json'), JSON.stringify(health));
    } catch (err) {
      o.log.warn({ err: (err as Error).message }, 'could not write health.json');
    }
  };
  write();
  // At once: the engineer at the box and the container health check see a refusal.
  o.events.on('fileRefused', write);
  const timer = setInterval(() => {
    write();
    for (const s of saturation.check(o.matcher.stats.droppedByCamera, o.cameras)) {
      o.cameras.set(s.cameraId, s);
      o.uplink.reportCamera(s);
    }
  }, everyMs);
  timer.unref();
  return { write, stop: () => clearInterval(timer) };
}
