import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Vision } from '@shopwatch/models';
import { startCameras } from './camera/cameras';
import type { EdgeConfig } from './config';
import { EvidenceRecorder } from './evidence/recorder';
import { GalleryStore } from './gallery/store';
import { GalleryFollower } from './gallery/sync';
import { LiveStreamer } from './live/live-streamer';
import { createLogger } from './log';
import { FaceMatcher } from './matching/matcher';
import { startDelivery } from './spool/delivery';
import { SqliteSpool } from './spool/sqlite-spool';
import { measureClockOffset } from './uplink/files';
import { HubUplink } from './uplink/mqtt-uplink';

export interface RunningAgent {
  matcher: FaceMatcher;
  uplink: HubUplink;
  gallery: GalleryStore;
  spool: SqliteSpool;
  live: LiveStreamer;
  stop(): Promise<void>;
}

/**
 * The edge agent's composition root: spool → uplink → gallery → evidence recorder → matcher →
 * cameras → delivery, stopped in reverse. Nothing reaches the disk but what the matcher hands
 * the recorder (candidates for gallery subjects), and the spool delivers it once, in order.
 */
export async function startAgent(cfg: EdgeConfig, vision: Vision): Promise<RunningAgent> {
  const log = createLogger('agent');
  const http = { baseUrl: cfg.hub.httpUrl.replace(/\/$/, ''), deviceId: cfg.device.id, secret: cfg.device.secret };

  let uplink!: HubUplink;
  const spool = new SqliteSpool({ dir: cfg.spool.dir, quotaBytes: cfg.spool.quotaBytes, warnRatio: cfg.spool.warnRatio, onStatus: (s) => uplink?.reportSpool(s) });
  const gallery = new GalleryStore(join(cfg.spool.dir, 'gallery'));
  let follower: GalleryFollower | null = null;
  uplink = new HubUplink({ mqttUrl: cfg.hub.mqttUrl, http, scheme: cfg.device.scheme, log: createLogger('agent:uplink'), onGalleryVersion: (v) => follower?.announce(v), onFileUploaded: (id, name) => spool.markFileUploaded(id, name) });
  follower = new GalleryFollower(gallery, http, (a) => uplink.reportGallery(a), createLogger('agent:gallery'));

  // Live view: on the hub's request, one stream-copy ffmpeg per camera, dialled out to the hub.
  const live = new LiveStreamer({
    client: uplink.client, scheme: cfg.device.scheme, cameras: cfg.cameras, ffmpegPath: cfg.ffmpegPath,
    link: { httpUrl: http.baseUrl, deviceId: http.deviceId, secret: http.secret }, log: createLogger('agent:live'),
  });

  let clockOffsetMs = 0;
  const measureClock = () => measureClockOffset(http).then((o) => (clockOffsetMs = -o)).catch(() => {});
  void measureClock();
  const clockTimer = setInterval(measureClock, 5 * 60_000);
  clockTimer.unref();

  let cameras: ReturnType<typeof startCameras> | null = null;
  const recorder = new EvidenceRecorder({
    spool, ring: (id) => cameras?.rings.get(id), workDir: join(cfg.spool.dir, 'work'),
    preRollSeconds: cfg.evidence.preRollSeconds, postRollSeconds: cfg.evidence.postRollSeconds, segmentSeconds: cfg.evidence.segmentSeconds,
    ffmpegPath: cfg.ffmpegPath, ffprobePath: cfg.ffprobePath,
  });
  const matcher = new FaceMatcher({
    vision, gallery, sink: recorder, log: createLogger('agent:matcher'),
    threshold: cfg.thresholds.match ?? vision.matchThreshold, frames: cfg.thresholds.frames, windowSeconds: cfg.thresholds.windowSeconds, cooldownSeconds: cfg.thresholds.cooldownSeconds,
    clockOffsetMs: () => clockOffsetMs,
  });
  const cameraStates = new Map<string, string>();
  cameras = startCameras(cfg, { onFrame: (f) => matcher.push(f), onStatus: (s) => (cameraStates.set(s.cameraId, s.status), uplink.reportCamera(s)) });
  // A heartbeat file for the container health check and the engineer at the box.
  const writeHealth = () => {
    const health = { at: new Date().toISOString(), hubConnected: uplink.connected, cameras: Object.fromEntries(cameraStates), spool: spool.usage(), gallery: { version: gallery.version, templates: gallery.all().length }, matcher: matcher.stats };
    try {
      writeFileSync(join(cfg.spool.dir, 'health.json'), JSON.stringify(health));
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'could not write health.json');
    }
  };
  writeHealth();
  const healthTimer = setInterval(writeHealth, 10_000);
  healthTimer.unref();
  const delivery = startDelivery({ spool, deliver: (item) => uplink.deliver(item), backoffMaxMs: 10_000 });
  log.info({ cameras: [...cameras.cameras.keys()], galleryVersion: gallery.version, templates: gallery.all().length }, 'edge agent started');

  return {
    matcher, uplink, gallery, spool, live,
    stop: async () => {
      await live.stop();
      clearInterval(clockTimer);
      clearInterval(healthTimer);
      // Clips still waiting for their post-roll need the cameras running: drain first.
      await matcher.idle();
      await recorder.drain();
      await cameras!.stop();
      await delivery.stop();
      follower!.stop();
      await uplink.close();
      spool.close();
    },
  };
}
