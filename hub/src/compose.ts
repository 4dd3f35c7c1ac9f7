import { AlertListing } from './alerts/listing';
import { PostgresAlertListing } from './alerts/listing-postgres';
import { CLUSTER_ESCALATION_POLL_MS, EscalationScheduler } from './alerts/escalation';
import { AlertService } from './alerts/service';
import { DeviceAuthenticator } from './auth/device-auth';
import { Sessions } from './auth/sessions';
import { InProcessEventBus } from './bus';
import { leadershipFor } from './cluster/leader';
import { joinCluster } from './cluster/redis-cluster';
import { type HubConfig, filesRoot } from './config';
import { CameraService } from './devices/cameras';
import { Directory } from './directory';
import { CandidateViews } from './evidence/candidate-views';
import { EvidenceService } from './evidence/service';
import { EvidenceStore } from './evidence/store';
import { LocalBlobStore } from './files/local-blob-store';
import { Uploads } from './evidence/uploads';
import { ExclusionService } from './gallery/exclusions';
import { VisionFaceChecker } from './gallery/faces';
import { FieldGalleryService } from './gallery/field-gallery';
import { incidentRefs } from './gallery/incident-refs';
import { IncidentService } from './gallery/incidents';
import { SubjectService } from './gallery/subjects';
import { GallerySync } from './gallery/sync';
import { createApp } from './http/app';
import { LiveHub } from './live/live-hub';
import { logger } from './log';
import { createMetrics } from './metrics';
import { Broker } from './mqtt/broker';
import { MqttDeviceConnections } from './mqtt/device-connections';
import { MqttPresence } from './mqtt/presence';
import { StoredConnectionCounts, nodeIdOf } from './devices/stored-connection-counts';
import { Revocation } from './provisioning/revocation';
import { createPush } from './push';
import { CaseService } from './review/cases';
import { ReviewService } from './review/service';
import { createHttpServer } from './server';
import type { HubServices } from './services';
import type { AuditLog } from './audit/log';
import type { SecretKey } from './auth/device-secrets';
import type { FaceChecker } from './gallery/faces';
import type { LiveOptions } from './live/live-hub';
import type { CaseRepository } from './storage/case-repository';
import type { EvidenceRepository } from './storage/evidence-repository';
import type { GalleryRepository } from './storage/gallery-repository';
import type { GovernanceRepository } from './storage/governance-repository';
import type { Repository } from './storage/repository';
import type { PushSubscriptionRepository } from './storage/push-subscription-repository';
import { BrowserSockets } from './ws/browser';

export interface HubOptions {
  /** The enrolment face check; the vision library by default. */
  faces?: FaceChecker;
  /** Live-view timings (grace after the last viewer, start timeout, viewer queue bounds). */
  live?: LiveOptions;
  /**
   * How often this node reads the stored provisioning generation (ms, default 2000): the fallback
   * by which a node learns of a change another node or the CLI applied when no bus message told it.
   */
  provisioningPollMs?: number;
}

/** Everything the hub keeps, opened by the storage step (hub.ts). */
export interface HubStorage {
  repo: Repository;
  evidenceRepo: EvidenceRepository;
  galleryRepo: GalleryRepository;
  gov: GovernanceRepository;
  caseRepo: CaseRepository;
  push: PushSubscriptionRepository;
  audit: AuditLog;
  /** Seals device secrets at rest. */
  key: SecretKey;
  /** Closes the store of record. */
  close(): Promise<void>;
}

/**
 * Builds every part of the hub from its storage, by constructor only: no port is opened and no
 * feature started here (the steps in features.ts do that; the one timer made here is LiveHub's
 * socket heartbeat, unref'd, with no socket yet to check). Each part gets what it uses at
 * construction, so nothing is set or bound later; the order below is the dependency order.
 */
export function composeHub(config: HubConfig, storage: HubStorage, options: HubOptions) {
  const { repo, evidenceRepo, galleryRepo, gov, caseRepo, audit, key } = storage;
  const state = { ready: false, draining: false };
  const metrics = createMetrics();
  const cluster = config.redisUrl ? joinCluster(config.redisUrl, logger('hub:cluster')) : null;
  const bus = cluster?.bus ?? new InProcessEventBus(logger('hub:bus'));
  const dir = new Directory(repo);
  const sessions = new Sessions(repo, dir);
  const devices = new DeviceAuthenticator(repo, key);

  // The gallery module knows subjects; the alert and evidence modules get its answers.
  const fieldGallery = new FieldGalleryService(gov, dir, audit);
  const resolveMatch = fieldGallery.reference.bind(fieldGallery);
  const alerts = new AlertService(
    repo,
    dir,
    bus,
    logger('hub:alerts'),
    undefined,
    config.raisesPerMinute,
    resolveMatch,
  );
  // On PostgreSQL there is no database file for the listing worker to read (listing-postgres.ts).
  const listing = config.databaseUrl
    ? new PostgresAlertListing(alerts)
    : new AlertListing(config.dataDir, alerts, logger('hub:listing'));
  const cameras = new CameraService(repo, bus);

  const views = new CandidateViews(evidenceRepo, async (scheme, id) => gov.alias(scheme, id));
  const reviewLog = logger('hub:review');
  const cases = new CaseService(caseRepo, evidenceRepo, views, alerts, audit, reviewLog, config.caseFollowMinutes);
  const evidence = new EvidenceService(evidenceRepo, bus, logger('hub:evidence'), views, {
    isActive: (scheme, id) => gov.isActive(scheme, id),
    file: (id) => cases.attach(id),
  });
  // One blob store for evidence and gallery photos: a shared mount when replicas run (issue 14).
  const blobs = new LocalBlobStore(filesRoot(config));
  const evidenceStore = new EvidenceStore(config.dataDir, blobs);
  const uploads = new Uploads(evidenceRepo, evidenceStore, logger('hub:uploads'), (candidateId) =>
    evidence.announce(candidateId, 'updated'),
  );
  const review = new ReviewService(
    evidenceRepo,
    evidence,
    evidenceStore,
    alerts,
    audit,
    reviewLog,
    config.reviewExpiryMinutes,
    cases,
  );

  const gallery = new GallerySync(galleryRepo, repo, bus, logger('hub:gallery'));
  const subjects = new SubjectService(
    gov,
    galleryRepo,
    gallery,
    dir,
    options.faces ?? new VisionFaceChecker(),
    audit,
    logger('hub:gallery'),
    blobs,
    { purged: (_scheme, id) => review.dropForSubject(id) },
  );
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

  // Transports: adapters over the services above.
  const mqttLog = logger('hub:mqtt');
  const engines = cluster?.engines;
  const brokerDeps = { history: repo, dir, alerts, cameras, evidence, gallery, metrics, devices, log: mqttLog };
  const broker = new Broker({ ...brokerDeps, engines });
  const nodeId = config.nodeId ?? nodeIdOf(config.dataDir);
  const counts = new StoredConnectionCounts(repo, nodeId);
  const presence = new MqttPresence(broker, repo, counts, bus, logger('hub:presence'));
  const heartbeat = cluster?.heartbeat(nodeId, (id) => presence.dropNode(id));
  const deviceConnections = new MqttDeviceConnections(broker.aedes, repo, logger('hub:provisioning'));
  const revocation = new Revocation(
    deviceConnections,
    repo,
    dir,
    bus,
    logger('hub:provisioning'),
    options.provisioningPollMs,
  );
  // Cluster-wide-once jobs run on the leader only; the leader polls for escalations, since alerts
  // raised on other nodes never reach this node's bus. One node alone always leads.
  const leadership = leadershipFor(config, logger('hub:leader'));
  const escalationPoll = config.databaseUrl ? CLUSTER_ESCALATION_POLL_MS : undefined;
  const escalation = new EscalationScheduler(repo, alerts, bus, logger('hub:escalation'), escalationPoll);
  const push = createPush(config.dataDir, storage.push, repo, dir, logger('hub:push'));
  const publish = (topic: string, payload: string) => broker.publish(topic, payload, { qos: 1 });
  const liveDeps = { sessions, repo, dir, publish, presence, audit, devices, directory: cluster?.liveStreams };
  const live = new LiveHub(liveDeps, logger('hub:live'), options.live);

  const services: HubServices = {
    config,
    repo,
    dir,
    bus,
    sessions,
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
    live,
    ready: () => state.ready,
    draining: () => state.draining,
  };
  const browsers = new BrowserSockets(services, logger('hub:ws'));
  const app = createApp(services, logger('hub:http'), { sessionEnded: (h) => browsers.endSession(h) });
  const http = createHttpServer(app, broker, browsers, logger('hub:http'), live);

  metrics.gauge('shopwatch_mqtt_clients', 'Connected MQTT clients', () => broker.aedes.connectedClients);
  metrics.gauge('shopwatch_live_streams', 'Live camera streams relayed', () => live.sessions.active.length);
  metrics.gauge('shopwatch_live_viewers', 'Live camera viewers', () =>
    live.sessions.active.reduce((n, s) => n + s.viewers.size, 0),
  );
  metrics.gauge('shopwatch_browser_sockets', 'Connected browser WebSockets', () => browsers.connected);
  metrics.gauge('shopwatch_cluster_leader', 'Whether this node runs the cluster-wide jobs (1) or not (0)', () =>
    leadership.isLeader ? 1 : 0,
  );

  return {
    ...services,
    state,
    storage,
    subjects,
    cases,
    presence,
    deviceConnections,
    revocation,
    leadership,
    escalation,
    browsers,
    http,
    cluster: cluster && heartbeat ? { bus: cluster.bus, heartbeat } : null,
  };
}

/** Every part of a composed hub: the services the transports use, and the parts only start-up handles. */
export type HubParts = ReturnType<typeof composeHub>;
