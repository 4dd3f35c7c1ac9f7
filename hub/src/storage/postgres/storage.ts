import type { Logger } from '../../log';
import type { Storage } from '../storage';
import { PgAuditRepository } from './audit-repository';
import { PgCaseRepository } from './case-repository';
import { PgEvidenceRepository } from './evidence-repository';
import { PgGalleryRepository } from './gallery-repository';
import { PgGovernanceRepository } from './governance-repository';
import { connectPool, openPostgres } from './pool';
import { PostgresRepository } from './postgres-repository';
import { PgPushSubscriptions } from './push-subscriptions';

// Device lookups are one indexed read each: two connections answer a reconnect storm in turn.
const LOOKUP_CONNECTIONS = 2;

/**
 * Every repository of the hub on one PostgreSQL database (migrated to the newest schema first),
 * sharing one connection pool. What `openStorage` returns when SHOPWATCH_DATABASE_URL is set.
 */
export async function openPostgresStorage(url: string, log: Logger, poolSize = 10): Promise<Storage> {
  const pool = await openPostgres(url, log, poolSize);
  // A few connections of their own for what a connecting device waits on before its CONNACK (its
  // record, its scheme): in the shared pool that lookup queued behind every write in flight.
  const repo = new PostgresRepository(pool, connectPool(url, log, LOOKUP_CONNECTIONS));
  return {
    repo,
    evidence: new PgEvidenceRepository(pool),
    gallery: new PgGalleryRepository(pool),
    governance: new PgGovernanceRepository(pool),
    cases: new PgCaseRepository(pool),
    audit: new PgAuditRepository(pool),
    push: new PgPushSubscriptions(pool),
    keys: {
      agree: async (name, fingerprint) => {
        await pool.query(
          `INSERT INTO key_fingerprints (name, fingerprint, recorded_at) VALUES ($1, $2, $3)
          ON CONFLICT (name) DO NOTHING`,
          [name, fingerprint, new Date().toISOString()],
        );
        const { rows } = await pool.query('SELECT fingerprint FROM key_fingerprints WHERE name = $1', [name]);
        return rows[0]?.fingerprint === fingerprint;
      },
    },
    // The repository's close writes its batched last-seen times, then ends the shared pools.
    close: () => repo.close(),
  };
}
