import type { AlertService } from './alerts/service';
import type { AlertPages } from './alerts/listing-postgres';
import type { EventBus } from './bus';
import type { HubConfig } from './config';
import type { CameraService } from './devices/cameras';
import type { HubDirectory } from './directory-interface';
import type { Metrics } from './metrics';
import type { Broker } from './mqtt/broker';
import type { Presence } from './devices/presence';
import type { Sessions } from './auth/sessions';
import type { Repository } from './storage/repository';
import type { DeviceAuthenticator } from './auth/device-auth';
import type { AuditLog } from './audit/log';
import type { EvidenceService } from './evidence/service';
import type { Uploads } from './evidence/uploads';
import type { GallerySync } from './gallery/sync';
import type { ReviewService } from './review/service';
import type { GovernanceRepository } from './storage/governance-repository';
import type { IncidentService } from './gallery/incidents';
import type { SubjectService } from './gallery/subjects';
import type { ExclusionService } from './gallery/exclusions';
import type { FieldGalleryService } from './gallery/field-gallery';
import type { CaseService } from './review/cases';

export interface Governance {
  gov: GovernanceRepository;
  incidents: IncidentService;
  subjects: SubjectService;
  exclusions: ExclusionService;
  fieldGallery: FieldGalleryService;
  cases: CaseService;
}
import type { EvidenceRepository } from './storage/evidence-repository';
import type { LiveHub } from './live/live-hub';
import type { GalleryRepository } from './storage/gallery-repository';
import type { PushService } from './push';

/** The parts the HTTP API and the browser WebSocket use; built by compose.ts. */
export interface HubServices {
  config: HubConfig;
  repo: Repository;
  dir: HubDirectory;
  bus: EventBus;
  sessions: Sessions;
  alerts: AlertService;
  /** GET /api/alerts pages, built off the event loop. */
  listing: AlertPages;
  cameras: CameraService;
  presence: Presence;
  broker: Broker;
  metrics: Metrics;
  devices: DeviceAuthenticator;
  evidenceRepo: EvidenceRepository;
  galleryRepo: GalleryRepository;
  evidence: EvidenceService;
  uploads: Uploads;
  gallery: GallerySync;
  review: ReviewService;
  audit: AuditLog;
  governance: Governance;
  live: LiveHub;
  push: PushService;
  ready: () => boolean;
  /** A stop was asked for (drain): /readyz answers 503 while the hub still serves. */
  draining?: () => boolean;
}
