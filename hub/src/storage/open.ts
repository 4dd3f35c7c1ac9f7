import type { HubConfig } from '../config';
import type { Logger } from '../log';
import { SINGLE_NODE_KEYS } from './shared-keys';
import type { Storage } from './storage';
import { openDatabase } from './sqlite';
import { checkpointInBackground } from './sqlite-checkpoints';
import { SqliteAuditRepository } from './sqlite-audit-repository';
import { SqliteCaseRepository } from './sqlite-case-repository';
import { SqliteEvidenceRepository } from './sqlite-evidence-repository';
import { SqliteGalleryRepository } from './sqlite-gallery-repository';
import { SqliteGovernanceRepository } from './sqlite-governance-repository';
import { SqlitePushSubscriptions } from './sqlite-push-subscriptions';
import { SqliteRepository } from './sqlite-repository';

export type { Storage } from './storage';

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
  const checkpoints = checkpointInBackground(db, log);
  return {
    repo,
    evidence: new SqliteEvidenceRepository(db),
    gallery: new SqliteGalleryRepository(db),
    governance: new SqliteGovernanceRepository(db),
    cases: new SqliteCaseRepository(db),
    audit: new SqliteAuditRepository(db),
    push: new SqlitePushSubscriptions(db),
    keys: SINGLE_NODE_KEYS,
    close: async () => {
      await checkpoints.stop();
      repo.close();
    },
  };
}
