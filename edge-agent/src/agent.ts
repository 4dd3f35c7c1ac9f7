import { join } from 'node:path';
import { bandThresholds, thresholdForFace, type Vision } from '@shopwatch/models';
import { urlSecrets } from '@shopwatch/protocols';
import { buildRings, startCameras } from './camera/cameras';
import type { LocalCameraStatus } from './camera/watchdog';
import type { EdgeConfig } from './config';
import { prepareBufferDir, wipeBufferDir } from './evidence/buffer-dir';
import { EvidenceRecorder } from './evidence/recorder';
import { startToolHost } from './evidence/tool';
import { AgentEvents } from './events';
import { GalleryStore } from './gallery/store';
import { GalleryFollower } from './gallery/sync';
import { startHealth } from './health';
import { InferencePool } from './inference/pool';
import { LiveStreamer } from './live/live-streamer';
import { addLogSecrets, createLogger, type Logger } from './log';
import { FaceMatcher } from './matching/matcher';
import { startDelivery } from './spool/delivery';
import { SqliteSpool } from './spool/sqlite-spool';
import { trackClockOffset } from './uplink/clock';
import type { HubHttp } from './uplink/files';
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
 * The edge agent's composition root. Parts are built in this order, each from parts built
 * before it (later parts subscribe to the `events` of earlier ones, never the reverse), and
 * stopped in reverse:
 *
 *  1. secrets hidden from the log       6. live view (on the hub's request)
 *  2. pre-roll buffer (in memory)       7. clock offset, evidence recorder
 *  3. spool                             8. inference pool, matcher
 *  4. uplink to the hub                 9. cameras (frames → matcher)
 *  5. gallery follower                 10. health file, delivery of the spool
 *
 * Nothing reaches the disk but what the matcher hands the recorder (candidates for gallery
 * subjects), and the spool delivers it once, in order.
 */
export async function startAgent(cfg: EdgeConfig, vision: Vision): Promise<RunningAgent> {
  const log = createLogger('agent');
  // Stills and clips are cut by ffmpeg jobs started from this small process (issue 15).
  startToolHost();
  hideSecrets(cfg);
  const http: HubHttp = {
    baseUrl: cfg.hub.httpUrl.replace(/\/$/, ''),
    deviceId: cfg.device.id,
    secret: cfg.device.secret,
  };
  // Emptied of whatever a killed run left, before anything can record into it (throws
  // BufferDirError if the folder is on a disk).
  const bufferDir = cfg.evidence.bufferDir;
  prepareBufferDir({ dir: bufferDir, allowDisk: cfg.evidence.allowDiskBuffer, log });
  const events = new AgentEvents(log);

  const spool = openSpool(cfg, events);
  const uplink = connectUplink(cfg, http, spool, events);
  const { gallery, follower } = followGallery(cfg, http, uplink, events);
  // Live view: on the hub's request, one stream-copy ffmpeg per camera, dialled out to the hub.
  const live = new LiveStreamer({
    client: uplink.client,
    scheme: cfg.device.scheme,
    cameras: cfg.cameras,
    ffmpegPath: cfg.ffmpegPath,
    link: { httpUrl: http.baseUrl, deviceId: http.deviceId, secret: http.secret },
    log: createLogger('agent:live'),
  });

  const clock = trackClockOffset(http);
  const rings = buildRings(cfg);
  const recorder = new EvidenceRecorder({
    spool,
    ring: (id) => rings.get(id),
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
    clockOffsetMs: clock.offsetMs,
  });

  const cameraStatus = new Map<string, LocalCameraStatus>();
  const cameras = startCameras(
    cfg,
    {
      onFrame: (f) => matcher.push(f),
      onStatus: (s) => {
        cameraStatus.set(s.cameraId, s);
        uplink.reportCamera(s);
      },
    },
    rings,
  );
  const health = startHealth({
    dir: cfg.spool.dir,
    uplink,
    spool,
    gallery,
    matcher,
    cameras: cameraStatus,
    events,
    log,
  });
  const delivery = startDelivery({ spool, deliver: (item) => uplink.deliver(item), backoffMaxMs: 10_000 });
  logStarted(log, [...cameras.cameras.keys()], gallery);

  return {
    matcher,
    recorder,
    uplink,
    gallery,
    spool,
    live,
    stop: async () => {
      await live.stop();
      clock.stop();
      health.stop();
      // Clips still waiting for their post-roll need the cameras running: drain first.
      await matcher.idle();
      await recorder.drain();
      await cameras.stop();
      await matcher.idle(); // frames offered while the cameras stopped
      await pool?.close();
      // Every clip is cut and spooled: the footage of everybody else goes now, not at the next start.
      const wiped = wipeBufferDir(bufferDir, { release: true });
      log.info({ files: wiped }, 'pre-roll buffer emptied');
      await delivery.stop();
      follower.stop();
      await uplink.close();
      spool.close();
    },
  };
}

/** Before anything can log: the device secret and every camera credential never reach a line. */
function hideSecrets(cfg: EdgeConfig): void {
  const cameraSecrets = cfg.cameras.flatMap((c) => [c.url, c.recordUrl ?? ''].flatMap(urlSecrets));
  addLogSecrets([cfg.device.secret, ...cameraSecrets]);
}

/**
 * The outbox. A file the hub refused for good stays in it with the reason (health.json, the log
 * and, for a clip, the clip report say so). A refusal with `purge` means the candidate was
 * rejected or expired and the hub deleted its media: privacy requires deleting the edge's copies
 * of ALL its media too.
 */
function openSpool(cfg: EdgeConfig, events: AgentEvents): SqliteSpool {
  const spool = new SqliteSpool({
    dir: cfg.spool.dir,
    quotaBytes: cfg.spool.quotaBytes,
    warnRatio: cfg.spool.warnRatio,
    onStatus: (s) => events.emit('spoolStatus', s),
  });
  events.on('fileRefused', ({ itemId, name, reason, purge }) => {
    spool.markFileRefused(itemId, name, reason, { purge });
    if (!purge) return;
    const payload = spool.get(itemId)?.payload as { candidateId?: string } | undefined;
    const candidateId = String(payload?.candidateId ?? '');
    if (candidateId) for (const id of [candidateId, `${candidateId}/clip`]) spool.purgeFiles(id, reason);
  });
  return spool;
}

/** MQTT + HTTP to the hub: reports what the spool and cameras say, delivers what the spool holds. */
function connectUplink(cfg: EdgeConfig, http: HubHttp, spool: SqliteSpool, events: AgentEvents): HubUplink {
  const uplink = new HubUplink({
    mqttUrl: cfg.hub.mqttUrl,
    http,
    scheme: cfg.device.scheme,
    log: createLogger('agent:uplink'),
    onGalleryVersion: (version) => events.emit('galleryVersion', version),
    onFileUploaded: (itemId, name) => spool.markFileUploaded(itemId, name),
    onFileRefused: (itemId, name, reason, purge) => events.emit('fileRefused', { itemId, name, reason, purge }),
  });
  events.on('spoolStatus', (s) => uplink.reportSpool(s));
  return uplink;
}

/** The templates on disk, kept in step with the hub's gallery (fetched when it announces a version). */
function followGallery(cfg: EdgeConfig, http: HubHttp, uplink: HubUplink, events: AgentEvents) {
  const gallery = new GalleryStore(join(cfg.spool.dir, 'gallery'));
  const follower = new GalleryFollower(gallery, http, (a) => uplink.reportGallery(a), createLogger('agent:gallery'));
  // Subscribed in the same turn as the uplink was built: its MQTT connection cannot have
  // delivered the retained version yet.
  events.on('galleryVersion', (v) => follower.announce(v));
  return { gallery, follower };
}

function logStarted(log: Logger, cameras: string[], gallery: GalleryStore): void {
  log.info({ cameras, galleryVersion: gallery.version, templates: gallery.all().length }, 'edge agent started');
  if (gallery.skipped.length) {
    log.error({ skipped: gallery.skipped }, 'gallery templates failed validation and are not matched');
  }
}
