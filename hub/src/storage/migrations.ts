/**
 * Numbered schema migrations, applied in order at start-up inside one transaction each.
 * Never edit a migration that has shipped: add the next number.
 */
export const MIGRATIONS: { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: 'schemes, people, devices, alerts, events, receipts',
    sql: `
      CREATE TABLE schemes (
        id TEXT PRIMARY KEY, name TEXT NOT NULL,
        escalation_seconds INTEGER NOT NULL, catch_up_hours INTEGER NOT NULL);
      CREATE TABLE zones (
        scheme TEXT NOT NULL REFERENCES schemes(id), id TEXT NOT NULL, name TEXT NOT NULL,
        PRIMARY KEY (scheme, id));
      CREATE TABLE stores (
        scheme TEXT NOT NULL REFERENCES schemes(id), id TEXT NOT NULL, name TEXT NOT NULL,
        zone TEXT NOT NULL, plan_x REAL, plan_y REAL,
        PRIMARY KEY (scheme, id));
      CREATE TABLE users (
        username TEXT PRIMARY KEY, password_hash TEXT NOT NULL, role TEXT NOT NULL,
        scheme TEXT NOT NULL REFERENCES schemes(id), store TEXT, display_name TEXT,
        created_at TEXT NOT NULL);
      CREATE TABLE devices (
        id TEXT PRIMARY KEY, kind TEXT NOT NULL, scheme TEXT NOT NULL REFERENCES schemes(id),
        store TEXT, duty TEXT NOT NULL, name TEXT, secret_hash TEXT NOT NULL,
        created_at TEXT NOT NULL,
        -- events before this one happened before the device existed: no catch-up for them
        since_seq INTEGER NOT NULL DEFAULT 0,
        last_seen TEXT);
      CREATE TABLE sessions (
        token_hash TEXT PRIMARY KEY, username TEXT NOT NULL REFERENCES users(username),
        created_at TEXT NOT NULL, expires_at TEXT NOT NULL);
      CREATE TABLE alerts (
        id TEXT PRIMARY KEY, scheme TEXT NOT NULL, zone TEXT NOT NULL, store TEXT,
        type TEXT NOT NULL, severity TEXT NOT NULL, message TEXT, subject_id TEXT,
        client_ref TEXT NOT NULL, raised_by_kind TEXT NOT NULL, raised_by_id TEXT NOT NULL,
        raised_at TEXT NOT NULL, status TEXT NOT NULL, escalates_at TEXT,
        priority INTEGER NOT NULL DEFAULT 0, closed_at TEXT, outcome TEXT,
        UNIQUE (scheme, raised_by_kind, raised_by_id, client_ref));
      CREATE INDEX alerts_scheme_time ON alerts (scheme, raised_at);
      CREATE INDEX alerts_escalation ON alerts (escalates_at) WHERE escalates_at IS NOT NULL;
      -- Every step of every alert, in hub order. payload is the exact JSON published, so a
      -- catch-up replays what the live subscribers saw.
      CREATE TABLE alert_events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, alert_id TEXT NOT NULL REFERENCES alerts(id),
        scheme TEXT NOT NULL, zone TEXT NOT NULL, scope TEXT NOT NULL, kind TEXT NOT NULL,
        at TEXT NOT NULL, actor_kind TEXT NOT NULL, actor_id TEXT NOT NULL,
        status TEXT, outcome TEXT, note TEXT, payload TEXT);
      CREATE INDEX alert_events_alert ON alert_events (alert_id, seq);
      CREATE INDEX alert_events_scheme ON alert_events (scheme, at);
      -- The newest event of an alert that a device has confirmed.
      CREATE TABLE receipts (
        device_id TEXT NOT NULL, alert_id TEXT NOT NULL, last_seq INTEGER NOT NULL, at TEXT NOT NULL,
        PRIMARY KEY (device_id, alert_id));
      CREATE INDEX receipts_alert ON receipts (alert_id);
      CREATE TABLE cameras (
        device_id TEXT NOT NULL, camera_id TEXT NOT NULL, name TEXT, status TEXT NOT NULL,
        reason TEXT, since TEXT NOT NULL, PRIMARY KEY (device_id, camera_id));
    `,
  },
  {
    version: 2,
    name: 'evidence from edge boxes, review queue, gallery templates and their sync',
    sql: `
      CREATE TABLE candidates (
        id TEXT PRIMARY KEY, scheme TEXT NOT NULL, device_id TEXT NOT NULL, store TEXT, zone TEXT,
        camera_id TEXT NOT NULL, subject_id TEXT NOT NULL, template_version INTEGER NOT NULL,
        score REAL NOT NULL, distance REAL NOT NULL, frames INTEGER NOT NULL,
        first_seen_at TEXT NOT NULL, captured_at TEXT NOT NULL, clock_offset_ms REAL NOT NULL,
        box TEXT NOT NULL, received_at TEXT NOT NULL, status TEXT NOT NULL,
        claimed_by TEXT, claimed_until TEXT, decided_by TEXT, decided_at TEXT, reason TEXT, alert_id TEXT,
        clip TEXT);
      CREATE INDEX candidates_queue ON candidates (scheme, status, received_at);
      -- Each file of a candidate: declared hash from the edge, bytes received so far, and
      -- when the hub verified the whole file against that hash.
      CREATE TABLE evidence_files (
        candidate_id TEXT NOT NULL REFERENCES candidates(id), name TEXT NOT NULL, kind TEXT NOT NULL,
        sha256 TEXT NOT NULL, bytes INTEGER, received INTEGER NOT NULL DEFAULT 0,
        verified_at TEXT, deleted_at TEXT, PRIMARY KEY (candidate_id, name));
      -- Append-only chain of custody per evidence item.
      CREATE TABLE custody (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, candidate_id TEXT NOT NULL, name TEXT,
        at TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL, detail TEXT);
      CREATE TRIGGER custody_append_only_u BEFORE UPDATE ON custody
        BEGIN SELECT RAISE(ABORT, 'custody log is append-only'); END;
      CREATE TRIGGER custody_append_only_d BEFORE DELETE ON custody
        BEGIN SELECT RAISE(ABORT, 'custody log is append-only'); END;
      CREATE TABLE gallery_state (scheme TEXT PRIMARY KEY, version INTEGER NOT NULL, changed_at TEXT NOT NULL);
      CREATE TABLE templates (
        id TEXT PRIMARY KEY, scheme TEXT NOT NULL, subject_id TEXT NOT NULL, photo_id TEXT,
        version INTEGER NOT NULL, descriptor BLOB NOT NULL, expires_at TEXT NOT NULL, created_at TEXT NOT NULL);
      CREATE INDEX templates_scheme ON templates (scheme, subject_id);
      CREATE TABLE device_gallery (
        device_id TEXT PRIMARY KEY, version INTEGER NOT NULL, templates INTEGER NOT NULL, applied_at TEXT NOT NULL);
      -- Every view, export and disclosure of gallery data, hash-chained: each row's hash covers
      -- the previous row's hash, so an edited or deleted row breaks the chain from there on.
      CREATE TABLE audit (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, scheme TEXT NOT NULL,
        actor_kind TEXT NOT NULL, actor_id TEXT NOT NULL, action TEXT NOT NULL,
        object_kind TEXT NOT NULL, object_id TEXT NOT NULL, subject_id TEXT, detail TEXT,
        prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
      CREATE INDEX audit_subject ON audit (subject_id);
      CREATE INDEX audit_object ON audit (object_kind, object_id);
    `,
  },
  {
    version: 3,
    name: 'gallery governance: incidents, subjects, photos, purges, exclusions',
    sql: `
      ALTER TABLE schemes ADD COLUMN gallery_days_known INTEGER NOT NULL DEFAULT 365;
      ALTER TABLE schemes ADD COLUMN gallery_days_id_sought INTEGER NOT NULL DEFAULT 90;
      CREATE TABLE incidents (
        id TEXT PRIMARY KEY, scheme TEXT NOT NULL, store TEXT, type TEXT NOT NULL, occurred_at TEXT NOT NULL,
        description TEXT NOT NULL, value_pence INTEGER, statement TEXT, alert_id TEXT,
        evidence_ids TEXT NOT NULL DEFAULT '[]', reporter TEXT NOT NULL, created_at TEXT NOT NULL);
      CREATE INDEX incidents_scheme ON incidents (scheme, occurred_at);
      CREATE TABLE subjects (
        id TEXT PRIMARY KEY, scheme TEXT NOT NULL, alias TEXT NOT NULL, status TEXT NOT NULL, reason TEXT NOT NULL,
        notes TEXT, enrolled_by TEXT NOT NULL, enrolled_at TEXT NOT NULL, expires_at TEXT NOT NULL,
        state TEXT NOT NULL, ended_at TEXT, ended_reason TEXT);
      CREATE INDEX subjects_expiry ON subjects (state, expires_at);
      CREATE TABLE subject_incidents (
        subject_id TEXT NOT NULL REFERENCES subjects(id), incident_id TEXT NOT NULL REFERENCES incidents(id),
        linked_at TEXT NOT NULL, PRIMARY KEY (subject_id, incident_id));
      CREATE TABLE photos (
        id TEXT PRIMARY KEY, subject_id TEXT NOT NULL REFERENCES subjects(id), sha256 TEXT NOT NULL,
        bytes INTEGER NOT NULL, width INTEGER NOT NULL, height INTEGER NOT NULL, source TEXT NOT NULL,
        face TEXT NOT NULL, created_at TEXT NOT NULL, created_by TEXT NOT NULL, deleted_at TEXT);
      CREATE TABLE purges (
        id INTEGER PRIMARY KEY AUTOINCREMENT, scheme TEXT NOT NULL, subject_id TEXT NOT NULL,
        version INTEGER NOT NULL, reason TEXT NOT NULL, at TEXT NOT NULL);
      CREATE TABLE exclusions (
        id TEXT PRIMARY KEY, scheme TEXT NOT NULL, subject_id TEXT NOT NULL REFERENCES subjects(id),
        stores TEXT NOT NULL, zones TEXT NOT NULL, starts_at TEXT NOT NULL, ends_at TEXT NOT NULL,
        decided_by TEXT NOT NULL, appeal_route TEXT NOT NULL, status TEXT NOT NULL,
        created_at TEXT NOT NULL, created_by TEXT NOT NULL);
      CREATE TABLE exclusion_events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, exclusion_id TEXT NOT NULL REFERENCES exclusions(id),
        at TEXT NOT NULL, by TEXT NOT NULL, kind TEXT NOT NULL, text TEXT NOT NULL, outcome TEXT);
    `,
  },
  {
    version: 4,
    name: 'fleet: keyed digests for unchanged-secret checks, revoked devices, case-insensitive usernames, alert paging',
    sql: `
      -- HMAC-SHA-256 (key in a 0600 file beside the database, never in it) of the provisioned
      -- password: re-provisioning an unchanged password costs no argon2 run.
      ALTER TABLE users ADD COLUMN password_digest TEXT;
      -- A device removed from the provisioning file is disabled, not deleted: its receipts and
      -- alerts keep naming it, but it can no longer connect.
      ALTER TABLE devices ADD COLUMN disabled_at TEXT;
      -- Login is case-insensitive: "ADMIN" and "admin" are one user.
      CREATE UNIQUE INDEX users_username_nocase ON users (username COLLATE NOCASE);
      -- GET /api/alerts pages newest first by (raised_at, id).
      CREATE INDEX alerts_scheme_page ON alerts (scheme, raised_at DESC, id DESC);
      -- Bumped by every provisioning apply, so a running hub notices one made by the CLI.
      CREATE TABLE provisioning_state (
        id INTEGER PRIMARY KEY CHECK (id = 1), generation INTEGER NOT NULL, applied_at TEXT NOT NULL);
    `,
  },
  {
    // Numbered 5: version 4 is taken by the fleet changes.
    version: 5,
    name: "live view: may members watch their own store's cameras",
    sql: `ALTER TABLE schemes ADD COLUMN live_view_members INTEGER NOT NULL DEFAULT 0;`,
  },
  {
    version: 6,
    name: 'evidence: frame size of each candidate (for its box)',
    sql: `
      ALTER TABLE candidates ADD COLUMN frame_width INTEGER;
      ALTER TABLE candidates ADD COLUMN frame_height INTEGER;
    `,
  },
  {
    version: 7,
    name: 'review cases (sightings of one subject at one store) and the match reference on alerts',
    sql: `
      CREATE TABLE review_cases (
        id TEXT PRIMARY KEY, scheme TEXT NOT NULL, store TEXT, zone TEXT, subject_id TEXT NOT NULL,
        status TEXT NOT NULL, opened_at TEXT NOT NULL, alert_id TEXT, decided_by TEXT, decided_at TEXT,
        reason TEXT);
      CREATE INDEX review_cases_lookup ON review_cases (scheme, subject_id, status);
      ALTER TABLE candidates ADD COLUMN case_id TEXT;
      CREATE INDEX candidates_case ON candidates (case_id);
      -- JSON of the AlertMatch reference (ids, alias, reason, URLs); never pictures.
      ALTER TABLE alerts ADD COLUMN match TEXT;
    `,
  },
  {
    // Issue 12: acknowledgements show the person's name and an optional ETA.
    version: 8,
    name: 'alert events: actor display name and acknowledgement ETA',
    sql: `
      ALTER TABLE alert_events ADD COLUMN actor_name TEXT;
      ALTER TABLE alert_events ADD COLUMN eta_minutes INTEGER;
    `,
  },
  {
    // Issue 13: presence from storage, so that any hub node can tell whether a device is
    // connected anywhere. One row per open connection; a node deletes its own rows at start.
    version: 9,
    name: 'open device connections per hub node',
    sql: `
      CREATE TABLE device_connections (
        node_id TEXT NOT NULL, connection_id TEXT NOT NULL, device_id TEXT NOT NULL, opened_at TEXT NOT NULL,
        PRIMARY KEY (node_id, connection_id));
      CREATE INDEX device_connections_device ON device_connections (device_id);
    `,
  },
  {
    // Issue 14: PostgreSQL has no rowid; there, this adds the identity columns that give evidence
    // files, candidates and review cases their insertion order (postgres/migrations.ts). SQLite keeps rowid.
    version: 10,
    name: 'insertion order of candidates, evidence files and review cases where the engine has no rowid',
    sql: '-- nothing to change on SQLite: rowid is the insertion order',
  },
  {
    // Issue 14: the bytes an edge box's PATCHes in progress may still write, in the store every
    // replica shares, so a box cannot pass its quota by spreading uploads over replicas. Each
    // row is a lease (renewed while its PATCH runs), so a replica that dies frees it soon.
    version: 11,
    name: 'upload quota reservations of PATCHes in progress',
    sql: `
      CREATE TABLE upload_reservations (
        id TEXT PRIMARY KEY, device_id TEXT NOT NULL, bytes INTEGER NOT NULL, expires_at TEXT NOT NULL);
      CREATE INDEX upload_reservations_device ON upload_reservations (device_id, expires_at);
    `,
  },
];
