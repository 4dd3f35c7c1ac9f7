import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bandThresholds, thresholdForFace, type Vision } from '@shopwatch/models';
import { startCameras } from './camera/cameras';
import type { EdgeConfig } from './config';
import { prepareBufferDir, wipeBufferDir } from './evidence/buffer-dir';
import { EvidenceRecorder } from './evidence/recorder';
import { GalleryStore } from './gallery/store';
import { GalleryFollower } from './gallery/sync';
import { urlSecrets } from '@shopwatch/protocols';
import { LiveStreamer } from './live/live-streamer';
import { addLogSecrets, createLogger } from './log';
import { FaceMatcher } from './matching/matcher';
import { InferencePool } from './inference/pool';
import { SaturationReporter } from './inference/saturation';
import type { CameraStatus } from './camera/watchdog';
import { startDelivery } from './spool/delivery';
import { SqliteSpool } from './spool/sqlite-spool';
import { measureClockOffset } from './uplink/files';
import { HubUplink } from './uplink/mqtt-uplink';

export interface RunningAgent {
  matcher: FaceMatcher;
  recorder: EvidenceRecorder;
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
  // Before anything can log: the device secret and every camera credential never reach a line.
  addLogSecrets([cfg.device.secret, ...cfg.cameras.flatMap((c) => [c.url, c.recordUrl ?? ''].flatMap(urlSecrets))]);
  const http = { baseUrl: cfg.hub.httpUrl.replace(/\/$/, ''), deviceId: cfg.device.id, secret: cfg.device.secret };

  // The pre-roll buffer: in memory, and emptied of whatever a killed run left, before anything
  // can record into it (throws BufferDirError if the folder is on a disk).
  const bufferDir = cfg.evidence.bufferDir;
  prepareBufferDir({ dir: bufferDir, allowDisk: cfg.evidence.allowDiskBuffer, log });

  let uplink!: HubUplink;
  const spool = new SqliteSpool({
    dir: cfg.spool.dir,
    quotaBytes: cfg.spool.quotaBytes,
    warnRatio: cfg.spool.warnRatio,
    onStatus: (s) => uplink?.reportSpool(s),
  });
  const gallery = new GalleryStore(join(cfg.spool.dir, 'gallery'));
  let follower: GalleryFollower | null = null;
  uplink = new HubUplink({
    mqttUrl: cfg.hub.mqttUrl,
    http,
    scheme: cfg.device.scheme,
    log: createLogger('agent:uplink'),
    onGalleryVersion: (v) => follower?.announce(v),
    onFileUploaded: (id, name) => spool.markFileUploaded(id, name),
    onFileRefused: (id, name, reason, purge) => onRefused(id, name, reason, purge),
  });
  /**
   * A file the hub refused for good stays in the spool with the reason (health.json, the log and,
   * for a clip, the clip report say so). A 410 means the candidate was rejected or expired and
   * the hub deleted its media: privacy requires deleting the edge's copies of ALL its media too.
   */
  const onRefused = (itemId: string, name: string, reason: string, purge: boolean) => {
    spool.markFileRefused(itemId, name, reason, { purge });
    if (purge) {
      const payload = spool.get(itemId)?.payload as { candidateId?: string } | undefined;
      const candidateId = String(payload?.candidateId ?? '');
      for (const id of [candidateId, `${candidateId}/clip`]) if (candidateId) spool.purgeFiles(id, reason);
    }
    writeHealth(); // at once: the engineer at the box and the container health check see it
  };
  follower = new GalleryFollower(gallery, http, (a) => uplink.reportGallery(a), createLogger('agent:gallery'));

  // Live view: on the hub's request, one stream-copy ffmpeg per camera, dialled out to the hub.
  const live = new LiveStreamer({
    client: uplink.client,
    scheme: cfg.device.scheme,
    cameras: cfg.cameras,
    ffmpegPath: cfg.ffmpegPath,
    link: { httpUrl: http.baseUrl, deviceId: http.deviceId, secret: http.secret },
    log: createLogger('agent:live'),
  });

  let clockOffsetMs = 0;
  const measureClock = () =>
    measureClockOffset(http)
      .then((o) => (clockOffsetMs = -o))
      .catch(() => {});
  void measureClock();
  const clockTimer = setInterval(measureClock, 5 * 60_000);
  clockTimer.unref();

  let cameras: ReturnType<typeof startCameras> | null = null;
  const recorder = new EvidenceRecorder({
    spool,
    ring: (id) => cameras?.rings.get(id),
    workDir: join(cfg.spool.dir, 'work'),
    preRollSeconds: cfg.evidence.preRollSeconds,
    postRollSeconds: cfg.evidence.postRollSeconds,
    segmentSeconds: cfg.evidence.segmentSeconds,
    ffmpegPath: cfg.ffmpegPath,
    ffprobePath: cfg.ffprobePath,
  });
  // Inference on every core (issue 15): one worker thread per core unless configured otherwise.
  const pool =
    cfg.inference.workers === 0
      ? undefined
      : await InferencePool.start({ workers: cfg.inference.workers, intraOpThreads: cfg.inference.intraOpThreads });
  const matcher = new FaceMatcher({
    vision,
    analyser: pool,
    motion: cfg.inference.motionGating ? {} : false,
    gallery,
    sink: recorder,
    log: createLogger('agent:matcher'),
    threshold: cfg.thresholds.match ?? vision.matchThreshold,
    // A configured threshold holds for every face size; by default each band has its own (issue 15).
    thresholdFor:
      cfg.thresholds.match === undefined ? thresholdForFace(bandThresholds(), vision.matchThreshold) : undefined,
    frames: cfg.thresholds.frames,
    windowSeconds: cfg.thresholds.windowSeconds,
    cooldownSeconds: cfg.thresholds.cooldownSeconds,
    clockOffsetMs: () => clockOffsetMs,
  });
  const cameraStates = new Map<string, string>();
  const lastStatus = new Map<string, CameraStatus>();
  const saturation = new SaturationReporter(10);
  cameras = startCameras(cfg, {
    onFrame: (f) => matcher.push(f),
    onStatus: (s) => (cameraStates.set(s.cameraId, s.status), lastStatus.set(s.cameraId, s), uplink.reportCamera(s)),
  });
  // A heartbeat file for the container health check and the engineer at the box.
  const writeHealth = () => {
    const health = {
      at: new Date().toISOString(),
      hubConnected: uplink.connected,
      cameras: Object.fromEntries(cameraStates),
      spool: { ...spool.usage(), refused: spool.refused(20) },
      gallery: { version: gallery.version, templates: gallery.all().length, skipped: gallery.skipped },
      matcher: matcher.stats,
    };
    try {
      writeFileSync(join(cfg.spool.dir, 'health.json'), JSON.stringify(health));
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'could not write health.json');
    }
  };
  writeHealth();
  const healthTimer = setInterval(() => {
    writeHealth();
    // Frames skipped for want of inference are shown on the camera, not only in health.json.
    for (const s of saturation.check(matcher.stats.droppedByCamera, lastStatus)) {
      lastStatus.set(s.cameraId, s);
      uplink.reportCamera(s);
    }
  }, 10_000);
  healthTimer.unref();
  const delivery = startDelivery({ spool, deliver: (item) => uplink.deliver(item), backoffMaxMs: 10_000 });
  log.info(
    { cameras: [...cameras.cameras.keys()], galleryVersion: gallery.version, templates: gallery.all().length },
    'edge agent started',
  );
  if (gallery.skipped.length) {
    log.error({ skipped: gallery.skipped }, 'gallery templates failed validation and are not matched');
  }

  return {
    matcher,
    recorder,
    uplink,
    gallery,
    spool,
    live,
    stop: async () => {
      await live.stop();
      clearInterval(clockTimer);
      clearInterval(healthTimer);
      // Clips still waiting for their post-roll need the cameras running: drain first.
      await matcher.idle();
      await recorder.drain();
      await cameras!.stop();
      await matcher.idle(); // frames offered while the cameras stopped
      await pool?.close();
      // Every clip is cut and spooled: the footage of everybody else goes now, not at the next start.
      const wiped = wipeBufferDir(bufferDir, { release: true });
      log.info({ files: wiped }, 'pre-roll buffer emptied');
      await delivery.stop();
      follower!.stop();
      await uplink.close();
      spool.close();
    },
  };
}
