import type { PushSubscriptionRequest } from '@shopwatch/protocols';
import type pg from 'pg';
import { MAX_SUBSCRIPTIONS_PER_USER, type PushSubscriptionRepository } from '../push-subscription-repository';
import { subscriptionFromRow } from '../sqlite-push-subscriptions';
import { withPgDomainErrors } from './domain-errors';
import { inTransaction } from './pool';

const METHODS = {
  save: 1,
  remove: 1,
  drop: 1,
  forUser: 1,
  forScheme: 1,
} satisfies Record<keyof PushSubscriptionRepository, 1>;

/**
 * Web Push subscriptions on PostgreSQL (table made with the schema, migrations.ts PG_SIDE_TABLES).
 * `ord` stands in for SQLite's rowid when two subscriptions of one user share a millisecond.
 */
export class PgPushSubscriptions implements PushSubscriptionRepository {
  constructor(private pool: pg.Pool) {
    withPgDomainErrors<PushSubscriptionRepository>(this, METHODS);
  }

  async save(username: string, s: PushSubscriptionRequest) {
    const now = new Date().toISOString();
    await inTransaction(this.pool, async (q) => {
      // Serialises this user's saves (two replicas at once): the trim below sees every row.
      await q.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`push:${username}`]);
      await q.query(
        `INSERT INTO push_subscriptions (endpoint, username, p256dh, auth, device, created_at)
        VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (endpoint) DO UPDATE SET username = excluded.username,
        p256dh = excluded.p256dh, auth = excluded.auth, device = excluded.device, created_at = excluded.created_at`,
        [s.endpoint, username, s.keys.p256dh, s.keys.auth, s.device ?? null, now],
      );
      await q.query(
        `DELETE FROM push_subscriptions WHERE username = $1 AND endpoint NOT IN
        (SELECT endpoint FROM push_subscriptions WHERE username = $1 ORDER BY created_at DESC, ord DESC LIMIT $2)`,
        [username, MAX_SUBSCRIPTIONS_PER_USER],
      );
    });
  }

  async remove(username: string, endpoint: string) {
    const r = await this.pool.query('DELETE FROM push_subscriptions WHERE username = $1 AND endpoint = $2', [
      username,
      endpoint,
    ]);
    return (r.rowCount ?? 0) > 0;
  }

  async drop(endpoint: string) {
    await this.pool.query('DELETE FROM push_subscriptions WHERE endpoint = $1', [endpoint]);
  }

  async forUser(username: string) {
    const sql = 'SELECT * FROM push_subscriptions WHERE username = $1 ORDER BY created_at, ord';
    return (await this.pool.query(sql, [username])).rows.map(subscriptionFromRow);
  }

  async forScheme(scheme: string) {
    const { rows } = await this.pool.query(
      'SELECT p.* FROM push_subscriptions p JOIN users u ON u.username = p.username WHERE u.scheme = $1',
      [scheme],
    );
    return rows.map(subscriptionFromRow);
  }
}
