import type { PushSubscriptionRequest } from '@shopwatch/protocols';
import {
  MAX_SUBSCRIPTIONS_PER_USER,
  type PushSubscriptionRepository,
  type StoredSubscription,
} from './push-subscription-repository';
import type { Db, SqlRow } from './sqlite';

/**
 * Web Push subscriptions in the hub's SQLite file, one row per browser (the endpoint is unique
 * to a browser profile). The table is created here with IF NOT EXISTS rather than as a numbered
 * migration: it is owned by this module alone and nothing else joins on it.
 */
export class SqlitePushSubscriptions implements PushSubscriptionRepository {
  constructor(private db: Db) {
    db.exec(`CREATE TABLE IF NOT EXISTS push_subscriptions (
      endpoint TEXT PRIMARY KEY, username TEXT NOT NULL REFERENCES users(username) ON DELETE CASCADE,
      p256dh TEXT NOT NULL, auth TEXT NOT NULL, device TEXT, created_at TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS push_subscriptions_user ON push_subscriptions (username);`);
  }

  /**
   * Stores the browser's subscription for `username`. The same endpoint signed in by someone
   * else now belongs to them: one browser, one person receiving.
   */
  async save(username: string, s: PushSubscriptionRequest) {
    const now = new Date().toISOString();
    this.db.transaction(() => {
      this.db
        .prepare(`INSERT INTO push_subscriptions (endpoint, username, p256dh, auth, device, created_at)
          VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (endpoint) DO UPDATE SET username = excluded.username,
          p256dh = excluded.p256dh, auth = excluded.auth, device = excluded.device, created_at = excluded.created_at`)
        .run(s.endpoint, username, s.keys.p256dh, s.keys.auth, s.device ?? null, now);
      this.db
        .prepare(`DELETE FROM push_subscriptions WHERE username = ? AND endpoint NOT IN
          (SELECT endpoint FROM push_subscriptions WHERE username = ? ORDER BY created_at DESC, rowid DESC LIMIT ?)`)
        .run(username, username, MAX_SUBSCRIPTIONS_PER_USER);
    })();
  }

  /** Removes one of the user's own subscriptions; true when there was one. */
  async remove(username: string, endpoint: string) {
    const del = this.db.prepare('DELETE FROM push_subscriptions WHERE username = ? AND endpoint = ?');
    return del.run(username, endpoint).changes > 0;
  }

  /** Removes a subscription the push service said is gone (404/410). */
  async drop(endpoint: string) {
    this.db.prepare('DELETE FROM push_subscriptions WHERE endpoint = ?').run(endpoint);
  }

  async forUser(username: string) {
    return this.rows('SELECT * FROM push_subscriptions WHERE username = ? ORDER BY created_at', username);
  }

  /** Every subscription of the scheme's users, with the username so scope can be checked. */
  async forScheme(scheme: string) {
    return this.rows(
      'SELECT p.* FROM push_subscriptions p JOIN users u ON u.username = p.username WHERE u.scheme = ?',
      scheme,
    );
  }

  private rows(sql: string, arg: string): StoredSubscription[] {
    return (this.db.prepare(sql).all(arg) as SqlRow[]).map(subscriptionFromRow);
  }
}

/** A push_subscriptions row (both engines). */
export const subscriptionFromRow = (r: SqlRow): StoredSubscription => ({
  endpoint: r.endpoint,
  username: r.username,
  p256dh: r.p256dh,
  auth: r.auth,
  device: r.device,
  createdAt: r.created_at,
});
