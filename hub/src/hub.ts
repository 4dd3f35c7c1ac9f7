import { AlertService } from './alerts/service';
import { AlertListing } from './alerts/listing';
import { EscalationScheduler } from './alerts/escalation';
import { EventBus } from './bus';
import type { HubConfig } from './config';
import { CameraService } from './devices/cameras';
import { Directory } from './directory';
import { createApp } from './http/app';
import { logger, setLogLevel } from './log';
import { createMetrics } from './metrics';
import { Broker } from './mqtt/broker';
import { startAlertFanout, startCameraFanout, startReviewFanout } from './mqtt/fanout';
import { AuditLog } from './audit/log';
import { DeviceAuthenticator } from './auth/device-auth';
import { EvidenceService } from './evidence/service';
import { EvidenceStore } from './evidence/store';
import { Uploads } from './evidence/uploads';
import { GallerySync } from './gallery/sync';
import { ReviewService } from './review/service';
import { CaseService } from './review/cases';
import { FieldGalleryService } from './gallery/field-gallery';
import { ExclusionService } from './gallery/exclusions';
import { type FaceChecker, VisionFaceChecker } from './gallery/faces';
import { IncidentService } from './gallery/incidents';
import { incidentRefs } from './gallery/incident-refs';
import { SubjectService } from './gallery/subjects';
import { Presence } from './mqtt/presence';
import { applyProvisioning, readProvisioning } from './provisioning/apply';
import { Revocation } from './provisioning/revocation';
import { SecretKey } from './auth/device-secrets';
import { createHttpServer } from './server';
import type { HubServices } from './services';
import { openStorage } from './storage/open';
import { secureDataDir } from './storage/file-modes';
import { BrowserSockets } from './ws/browser';
import { LiveHub, type LiveOptions } from './live/live-hub';
import { startPush } from './push';

export interface RunningHub {
  httpPort: number;
  mqttPort: number;
  services: HubServices;
  /** Re-applies a provisioning file (SHOPWATCH_SEED by default) and ends removed devices' connections. */
  reprovision(file?: string): Promise<string[]>;
  stop(): Promise<void>;
}

/**
 * The composition root: builds every part in a fixed order and stops them in reverse.
 * Storage first (the source of truth), then provisioning, the domain, the broker, and last
 * the network listeners, so nothing is accepted before the hub can keep it.
 */
export interface HubOptions {
  /** The enrolment face check; the vision library by default. */
  faces?: FaceChecker;
  /** Live-view timings (grace after the last viewer, start timeout, viewer queue bounds). */
  live?: LiveOptions;
}

export async function startHub(config: HubConfig, options: HubOptions = {}): Promise<RunningHub> {
  setLogLevel(config.logLevel);
  const log = logger('hub');
  const stops: (() => unknown)[] = [];

  const seed = config.seed ? readProvisioning(config.seed) : null; // fail fast, before touching storage
  secureDataDir(config.dataDir, log); // personal data and keys: the hub's own user only
  const storage = await openStorage(config, logger('hub:storage'));
  stops.push(() => storage.close());
  const { repo, evidence: evidenceRepo, gallery: galleryRepo, governance: gov, cases: caseRepo } = storage;
  const audit = await AuditLog.open(storage.audit, config.dataDir);
  const key = SecretKey.forDataDir(config.dataDir);
  if (seed) await applyProvisioning(repo, seed, key, logger('hub:provisioning'));

  const metrics = createMetrics();
  const bus = new EventBus(logger('hub:bus'));
  const dir = new Directory(repo);
  const alerts = new AlertService(repo, dir, bus, logger('hub:alerts'), undefined, config.raisesPerMinute);
  const listing = new AlertListing(config.dataDir, alerts, logger('hub:listing'));
  stops.push(() => listing.stop());
  const cameras = new CameraService(repo, bus);
  bus.on('alert', (e) => metrics.alertEvents.inc({ event: e.event.event }));

  const devices = new DeviceAuthenticator(repo, key);
  const evidence = new EvidenceService(evidenceRepo, bus, logger('hub:evidence'));
  const evidenceStore = new EvidenceStore(config.dataDir);
  const uploads = new Uploads(evidenceRepo, evidenceStore, logger('hub:uploads'));
  uploads.onVerified = (candidateId) => evidence.announce(candidateId, 'updated');
  const review = new ReviewService(
    evidenceRepo,
    evidence,
    evidenceStore,
    alerts,
    audit,
    logger('hub:review'),
    config.reviewExpiryMinutes,
  );

  // The broker needs the gallery sync and the sync publishes through the broker: late-bound.
  let gallery!: GallerySync;
  const broker = new Broker({
    repo,
    dir,
    alerts,
    cameras,
    metrics,
    devices,
    evidence,
    get gallery() {
      return gallery;
    },
    log: logger('hub:mqtt'),
  });
  await broker.start();
  stops.push(() => broker.close());
  gallery = new GallerySync(galleryRepo, repo, broker, bus, logger('hub:gallery'));
  await gallery.start();
  stops.push(() => gallery.stop());
  review.start();
  stops.push(() => review.stop());
  const subjects = new SubjectService(
    gov,
    galleryRepo,
    gallery,
    dir,
    options.faces ?? new VisionFaceChecker(),
    audit,
    logger('hub:gallery'),
    config.dataDir,
  );
  subjects.onPurged = (_scheme, id) => review.dropForSubject(id);
  evidence.setAliasLookup(async (scheme, id) => gov.alias(scheme, id));
  evidence.setActiveCheck((scheme, id) => gov.isActive(scheme, id));
  subjects.start();
  stops.push(() => subjects.stop());
  const fieldGallery = new FieldGalleryService(gov, dir, audit);
  alerts.setMatchResolver(fieldGallery.reference.bind(fieldGallery));
  const cases = new CaseService(
    caseRepo,
    evidenceRepo,
    evidence,
    alerts,
    audit,
    logger('hub:review'),
    config.caseFollowMinutes,
  );
  review.cases = cases;
  evidence.onQueued = (id) => cases.attach(id);
  await cases.fileUnassigned();
  const incidents = new IncidentService(gov, dir, audit, incidentRefs(alerts, evidenceRepo), (p, id) =>
    alerts.visible(p, id),
  );
  const governance = {
    gov,
    subjects,
    fieldGallery,
    cases,
    incidents,
    exclusions: new ExclusionService(gov, dir, audit),
  };
  stops.push(startReviewFanout(bus, broker, logger('hub:fanout')));
  stops.push(startAlertFanout(bus, broker, dir, logger('hub:fanout')));
  stops.push(startCameraFanout(bus, broker, logger('hub:fanout')));
  const revocation = new Revocation(broker.aedes, repo, dir, bus, logger('hub:provisioning'));
  await revocation.start();
  stops.push(() => revocation.stop());
  const presence = new Presence(broker, repo, bus, logger('hub:presence'));
  await presence.start();
  metrics.gauge('shopwatch_mqtt_clients', 'Connected MQTT clients', () => broker.aedes.connectedClients);

  const escalation = new EscalationScheduler(repo, alerts, bus, logger('hub:escalation'));
  escalation.start();
  stops.push(() => escalation.stop());

  const push = startPush(config.dataDir, storage.push, repo, dir, bus, logger('hub:push'));
  stops.push(() => push.sender.stop());

  let ready = false;
  const services: HubServices = {
    config,
    repo,
    dir,
    bus,
    alerts,
    listing,
    cameras,
    presence,
    broker,
    metrics,
    devices,
    evidenceRepo,
    galleryRepo,
    evidence,
    uploads,
    gallery,
    review,
    audit,
    governance,
    push,
    ready: () => ready,
    get live() {
      return live;
    },
  };
  const live: LiveHub = new LiveHub(services, logger('hub:live'), options.live);
  metrics.gauge('shopwatch_live_streams', 'Live camera streams relayed', () => live.sessions.active.length);
  metrics.gauge('shopwatch_live_viewers', 'Live camera viewers', () =>
    live.sessions.active.reduce((n, s) => n + s.viewers.size, 0),
  );
  const browsers = new BrowserSockets(services, logger('hub:ws'));
  metrics.gauge('shopwatch_browser_sockets', 'Connected browser WebSockets', () => browsers.connected);
  const app = createApp(services, logger('hub:http'), { sessionEnded: (h) => browsers.endSession(h) });
  const http = createHttpServer(app, broker, browsers, logger('hub:http'), live);

  const mqttPort = await broker.listen(config.mqttPort, config.host);
  const httpPort = await http.listen(config.httpPort, config.host);
  stops.push(() => http.close());
  stops.push(() => live.close()); // runs before http.close: viewers hear why, edge boxes stop ffmpeg
  ready = true;
  log.info({ httpPort, mqttPort, dataDir: config.dataDir }, 'hub ready');

  let stopping: Promise<void> | null = null;
  return {
    httpPort,
    mqttPort,
    services,
    reprovision: async (file = config.seed) => {
      if (!file) throw new Error('no provisioning file: set SHOPWATCH_SEED');
      await applyProvisioning(repo, readProvisioning(file), key, logger('hub:provisioning'));
      return revocation.check();
    },
    stop: () =>
      (stopping ??= (async () => {
        ready = false;
        for (const stop of stops.reverse()) {
          try {
            await stop();
          } catch (err) {
            log.error({ err }, 'error while stopping');
          }
        }
        log.info('hub stopped');
      })()),
  };
}
