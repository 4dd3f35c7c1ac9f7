import type pg from 'pg';
import type { DeviceRecord, ProvisionedDeviceRecord, SchemeRecord, SessionRecord, UserRecord } from '../repository';
import { inTransaction } from './pool';

type Row = pg.QueryResultRow;

// Case-insensitive usernames exactly as SQLite's NOCASE: ASCII letters only (see migration 4).
const SAME_USER = 'lower(username COLLATE "C") = lower($1::text COLLATE "C")';

const userFromRow = (r: Row): UserRecord => ({
  username: r.username,
  passwordHash: r.password_hash,
  role: r.role,
  scheme: r.scheme,
  store: r.store,
  displayName: r.display_name,
  passwordDigest: r.password_digest,
});

/**
 * The directory half of the PostgreSQL repository: schemes, users, devices, sessions and the
 * provisioning counter. PostgresRepository adds alerts, receipts and cameras.
 */
export abstract class DirectoryQueries {
  /**
   * `lookups`: the pool of the reads a connecting device waits on (getDevice, getScheme), apart
   * from the writes so that a burst of them cannot hold up a CONNACK. Default: the one pool.
   */
  constructor(
    protected pool: pg.Pool,
    protected lookups: pg.Pool = pool,
  ) {}

  async upsertScheme(s: SchemeRecord) {
    await inTransaction(this.pool, async (c) => {
      await c.query(
        `INSERT INTO schemes (id, name, escalation_seconds, catch_up_hours, gallery_days_known,
          gallery_days_id_sought, live_view_members) VALUES ($1, $2, $3, $4, $5, $6, $7)
        ON CONFLICT (id) DO UPDATE SET name = excluded.name, escalation_seconds = excluded.escalation_seconds,
        catch_up_hours = excluded.catch_up_hours, gallery_days_known = excluded.gallery_days_known,
        gallery_days_id_sought = excluded.gallery_days_id_sought, live_view_members = excluded.live_view_members`,
        [
          s.id,
          s.name,
          s.settings.escalationSeconds,
          s.settings.catchUpHours,
          s.settings.galleryDays.known,
          s.settings.galleryDays['id-sought'],
          s.settings.liveViewMembers ? 1 : 0,
        ],
      );
      for (const z of s.zones) {
        await c.query(
          `INSERT INTO zones (scheme, id, name) VALUES ($1, $2, $3)
          ON CONFLICT (scheme, id) DO UPDATE SET name = excluded.name`,
          [s.id, z.id, z.name],
        );
      }
      for (const st of s.stores) {
        await c.query(
          `INSERT INTO stores (scheme, id, name, zone, plan_x, plan_y) VALUES ($1, $2, $3, $4, $5, $6)
          ON CONFLICT (scheme, id) DO UPDATE SET name = excluded.name, zone = excluded.zone,
          plan_x = excluded.plan_x, plan_y = excluded.plan_y`,
          [s.id, st.id, st.name, st.zone, st.plan?.x ?? null, st.plan?.y ?? null],
        );
      }
    });
  }

  async getScheme(id: string): Promise<SchemeRecord | null> {
    const r = (await this.lookups.query('SELECT * FROM schemes WHERE id = $1', [id])).rows[0];
    if (!r) return null;
    const zones = await this.lookups.query('SELECT id, name FROM zones WHERE scheme = $1 ORDER BY id', [id]);
    const stores = await this.lookups.query('SELECT * FROM stores WHERE scheme = $1 ORDER BY id', [id]);
    return {
      id: r.id,
      name: r.name,
      settings: {
        escalationSeconds: r.escalation_seconds,
        catchUpHours: r.catch_up_hours,
        galleryDays: { known: r.gallery_days_known, 'id-sought': r.gallery_days_id_sought },
        liveViewMembers: r.live_view_members === 1,
      },
      zones: zones.rows as SchemeRecord['zones'],
      stores: stores.rows.map((s) => ({
        id: s.id,
        name: s.name,
        zone: s.zone,
        plan: s.plan_x === null ? null : { x: s.plan_x, y: s.plan_y },
      })),
    };
  }

  async listSchemes() {
    const ids = (await this.pool.query('SELECT id FROM schemes ORDER BY id')).rows.map((r) => r.id as string);
    return (await Promise.all(ids.map((id) => this.getScheme(id)))) as SchemeRecord[];
  }

  async upsertUser(u: UserRecord) {
    // The conflict target is the case-insensitive index: "ADMIN" updates the existing "admin".
    await this.pool.query(
      `INSERT INTO users (username, password_hash, role, scheme, store, display_name, created_at, password_digest)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (lower(username COLLATE "C")) DO UPDATE SET
      password_hash = excluded.password_hash, role = excluded.role, scheme = excluded.scheme, store = excluded.store,
      display_name = excluded.display_name, password_digest = excluded.password_digest`,
      [
        u.username,
        u.passwordHash,
        u.role,
        u.scheme,
        u.store,
        u.displayName,
        new Date().toISOString(),
        u.passwordDigest,
      ],
    );
  }

  async getUser(username: string) {
    const r = (await this.pool.query(`SELECT * FROM users WHERE ${SAME_USER}`, [username])).rows[0];
    return r ? userFromRow(r) : null;
  }

  async listUsers() {
    return (await this.pool.query('SELECT * FROM users ORDER BY username')).rows.map(userFromRow);
  }

  async removeUsers(usernames: string[]) {
    await inTransaction(this.pool, async (c) => {
      for (const u of usernames) {
        await c.query(`DELETE FROM sessions WHERE ${SAME_USER}`, [u]);
        await c.query(`DELETE FROM users WHERE ${SAME_USER}`, [u]);
      }
    });
  }

  async upsertDevice(d: ProvisionedDeviceRecord) {
    await this.upsertDevices([d]);
  }

  async upsertDevices(list: ProvisionedDeviceRecord[]) {
    if (!list.length) return;
    // One statement for the whole fleet (arrays unnested server-side), one COMMIT. A new device
    // starts its catch-up from now: it was not there to miss older events.
    const col = <K extends keyof ProvisionedDeviceRecord>(k: K) => list.map((d) => d[k]);
    await inTransaction(this.pool, (c) =>
      c.query(
        `INSERT INTO devices (id, kind, scheme, store, duty, name, secret_hash, created_at, since_seq)
        SELECT d.*, $8, (SELECT COALESCE(MAX(seq), 0) FROM alert_events)
        FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[]) AS d
        ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, scheme = excluded.scheme, store = excluded.store,
        duty = excluded.duty, name = excluded.name, secret_hash = excluded.secret_hash, disabled_at = NULL`,
        [
          col('id'),
          col('kind'),
          col('scheme'),
          col('store'),
          col('duty'),
          col('name'),
          col('secretHash'),
          new Date().toISOString(),
        ],
      ),
    );
  }

  private deviceFromRow = (r: Row): DeviceRecord => ({
    id: r.id,
    kind: r.kind,
    scheme: r.scheme,
    store: r.store,
    duty: r.duty,
    name: r.name,
    secretHash: r.secret_hash,
    sinceSeq: r.since_seq,
    lastSeen: this.lastSeen.get(r.id) ?? r.last_seen,
    disabledAt: r.disabled_at,
  });

  async getDevice(id: string) {
    const r = (await this.lookups.query('SELECT * FROM devices WHERE id = $1', [id])).rows[0];
    return r ? this.deviceFromRow(r) : null;
  }

  async listDevices(scheme: string) {
    const sql = 'SELECT * FROM devices WHERE scheme = $1 AND disabled_at IS NULL ORDER BY id';
    return (await this.pool.query(sql, [scheme])).rows.map(this.deviceFromRow);
  }

  async listAllDevices() {
    return (await this.pool.query('SELECT * FROM devices ORDER BY id')).rows.map(this.deviceFromRow);
  }

  async disableDevices(ids: string[], at: string) {
    await this.pool.query('UPDATE devices SET disabled_at = $1 WHERE id = ANY($2::text[]) AND disabled_at IS NULL', [
      at,
      ids,
    ]);
  }

  async revokedDeviceIds() {
    const { rows } = await this.pool.query('SELECT id FROM devices WHERE disabled_at IS NOT NULL ORDER BY id');
    return rows.map((r) => r.id as string);
  }

  async provisioningGeneration() {
    const { rows } = await this.pool.query('SELECT generation FROM provisioning_state WHERE id = 1');
    return (rows[0]?.generation as number | undefined) ?? 0;
  }

  async bumpProvisioningGeneration(at: string) {
    const { rows } = await this.pool.query(
      `INSERT INTO provisioning_state (id, generation, applied_at) VALUES (1, 1, $1)
      ON CONFLICT (id) DO UPDATE SET generation = provisioning_state.generation + 1, applied_at = excluded.applied_at
      RETURNING generation`,
      [at],
    );
    return rows[0].generation as number;
  }

  // Batched as in SQLite: a reconnect storm must not cost a round trip per connection. A crash
  // loses at most one interval of last-seen times, nothing acknowledged.
  protected lastSeen = new Map<string, string>();
  private lastSeenTimer: NodeJS.Timeout | null = null;

  async touchDevice(id: string, at: string) {
    this.lastSeen.set(id, at);
    this.lastSeenTimer ??= setTimeout(() => void this.flushLastSeen().catch(() => {}), 1000).unref();
  }

  protected async flushLastSeen() {
    if (this.lastSeenTimer) clearTimeout(this.lastSeenTimer);
    this.lastSeenTimer = null;
    if (!this.lastSeen.size) return;
    const batch = [...this.lastSeen];
    this.lastSeen.clear();
    await this.pool.query(
      `UPDATE devices SET last_seen = b.at FROM unnest($1::text[], $2::text[]) AS b(id, at) WHERE devices.id = b.id`,
      [batch.map(([id]) => id), batch.map(([, at]) => at)],
    );
  }

  async createSession(tokenHash: string, username: string, createdAt: string, expiresAt: string) {
    await inTransaction(this.pool, async (c) => {
      await c.query('DELETE FROM sessions WHERE expires_at < $1', [createdAt]);
      await c.query('INSERT INTO sessions (token_hash, username, created_at, expires_at) VALUES ($1, $2, $3, $4)', [
        tokenHash,
        username,
        createdAt,
        expiresAt,
      ]);
    });
  }

  async getSession(tokenHash: string, now: string): Promise<SessionRecord | null> {
    const { rows } = await this.pool.query(
      'SELECT username, expires_at FROM sessions WHERE token_hash = $1 AND expires_at > $2',
      [tokenHash, now],
    );
    return rows[0] ? { username: rows[0].username, expiresAt: rows[0].expires_at } : null;
  }

  async deleteSession(tokenHash: string) {
    await this.pool.query('DELETE FROM sessions WHERE token_hash = $1', [tokenHash]);
  }
}
