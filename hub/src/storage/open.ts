import type { HubConfig } from '../config';
import type { Logger } from '../log';
import type { AuditRepository } from './audit-repository';
import type { CaseRepository } from './case-repository';
import type { EvidenceRepository } from './evidence-repository';
import type { GalleryRepository } from './gallery-repository';
import type { GovernanceRepository } from './governance-repository';
import type { PushSubscriptionRepository } from './push-subscription-repository';
import type { Repository } from './repository';
import { type KeyFingerprints, SINGLE_NODE_KEYS } from './shared-keys';
import { openDatabase } from './sqlite';
import { SqliteAuditRepository } from './sqlite-audit-repository';
import { SqliteCaseRepository } from './sqlite-case-repository';
import { SqliteEvidenceRepository } from './sqlite-evidence-repository';
import { SqliteGalleryRepository } from './sqlite-gallery-repository';
import { SqliteGovernanceRepository } from './sqlite-governance-repository';
import { SqlitePushSubscriptions } from './sqlite-push-subscriptions';
import { SqliteRepository } from './sqlite-repository';

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

export type StorageConfig = Pick<HubConfig, 'dataDir'> & Partial<Pick<HubConfig, 'sync' | 'databaseUrl'>>;

/**
 * Opens (and migrates) the hub's store of record: the PostgreSQL database of `databaseUrl`
 * (SHOPWATCH_DATABASE_URL, cluster mode) when given, else the SQLite file in the data dir.
 * Used by the hub and by every offline command, so both see the same repositories.
 */
export async function openStorage(config: StorageConfig, log: Logger): Promise<Storage> {
  if (config.databaseUrl) {
    // Loaded only here: a single-machine hub never loads the PostgreSQL client.
    const { openPostgresStorage } = await import('./postgres/storage');
    return openPostgresStorage(config.databaseUrl, log);
  }
  const db = openDatabase(config.dataDir, log, config.sync ?? 'full');
  const repo = new SqliteRepository(db);
  return {
    repo,
    evidence: new SqliteEvidenceRepository(db),
    gallery: new SqliteGalleryRepository(db),
    governance: new SqliteGovernanceRepository(db),
    cases: new SqliteCaseRepository(db),
    audit: new SqliteAuditRepository(db),
    push: new SqlitePushSubscriptions(db),
    keys: SINGLE_NODE_KEYS,
    close: async () => repo.close(),
  };
}
