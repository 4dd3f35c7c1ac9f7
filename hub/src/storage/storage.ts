import type { AuditRepository } from './audit-repository';
import type { CaseRepository } from './case-repository';
import type { EvidenceRepository } from './evidence-repository';
import type { GalleryRepository } from './gallery-repository';
import type { GovernanceRepository } from './governance-repository';
import type { PushSubscriptionRepository } from './push-subscription-repository';
import type { Repository } from './repository';
import type { KeyFingerprints } from './shared-keys';

/**
 * Everything the hub keeps, one repository per concern, all on one store of record. Callers
 * see only these interfaces (no engine types), so a PostgreSQL `openStorage` can return the
 * same shape. Atomicity never spans two repositories: each multi-row change is one method.
 */
export interface Storage {
  /** Schemes, users, devices, sessions, alerts and their events, receipts, cameras. */
  repo: Repository;
  evidence: EvidenceRepository;
  gallery: GalleryRepository;
  governance: GovernanceRepository;
  cases: CaseRepository;
  audit: AuditRepository;
  push: PushSubscriptionRepository;
  /** Fingerprints of the data dir's keys, so that hubs sharing the store use the same keys. */
  keys: KeyFingerprints;
  /** Closes the store; the repositories must not be used after. */
  close(): Promise<void>;
}
