import pg from 'pg';
import type { Logger } from '../log';

/**
 * Which hub node runs the jobs that must happen once for the whole cluster (escalation, review
 * expiry, gallery expiry). Leadership only decides who TRIES: every firing is still claimed by a
 * conditional write, because two nodes may both believe they lead for a moment (the old leader's
 * connection died but it has not noticed yet).
 */
export interface Leadership {
  readonly isLeader: boolean;
  /** Called with `true` on taking the lead and `false` on losing it; returns the unsubscribe. */
  onChange(listener: (leader: boolean) => void): () => void;
  start(): Promise<void>;
  /** Steps down (listeners hear `false` first) and lets another node take over. */
  stop(): Promise<void>;
}

/** One node on its own (SQLite): always the leader, from construction, never changes. */
export class SingleNodeLeadership implements Leadership {
  readonly isLeader = true;
  onChange(): () => void {
    return () => {};
  }
  async start() {}
  async stop() {}
}

/**
 * The key of the session-level advisory lock held by the leader. Above 2^32 so that it can
 * never equal a `hashtext()` key (int4) taken by the per-device locks, nor the small constants
 * of the migration and event-order locks.
 */
export const LEADER_LOCK = 0x5357_4c45_4144; // "SWLEAD"

export interface PgLeadershipOptions {
  /** How often a follower tries to take the lock, and the leader checks its connection. */
  retryMs?: number;
  /** A leader whose connection does not answer within this steps down. */
  checkTimeoutMs?: number;
  /**
   * The server ends a leadership session that sends nothing for this long (idle_session_timeout),
   * releasing the lock: a frozen leader (event loop stuck, process stopped, link cut without a
   * reset) loses the lead after it, not after TCP's hours. Must exceed `retryMs` by a margin.
   */
  sessionTimeoutMs?: number;
}

/**
 * Leadership by a PostgreSQL session-level advisory lock on a dedicated connection (not a pool
 * connection: the lock belongs to the session, and a pool would hand it to other queries).
 * Followers try `pg_try_advisory_lock` every `retryMs`. If the leader's connection dies,
 * PostgreSQL ends its session and releases the lock, and a follower takes it at its next try;
 * the old leader steps down the moment its client reports the error (its jobs stop before
 * anything else can fire), or when its periodic check goes unanswered.
 */
export class PgLeadership implements Leadership {
  private leader = false;
  private client: pg.Client | null = null;
  private timer: NodeJS.Timeout | null = null;
  private busy = false;
  private stopped = true;
  private listeners = new Set<(leader: boolean) => void>();
  private readonly retryMs: number;
  private readonly checkTimeoutMs: number;
  private readonly sessionTimeoutMs: number;

  constructor(
    private url: string,
    private log: Logger,
    options: PgLeadershipOptions = {},
  ) {
    this.retryMs = options.retryMs ?? 1000;
    this.checkTimeoutMs = options.checkTimeoutMs ?? 3000;
    this.sessionTimeoutMs = options.sessionTimeoutMs ?? 5000;
  }

  get isLeader() {
    return this.leader;
  }

  onChange(listener: (leader: boolean) => void) {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  /** Makes the first try before it returns, so a lone node leads as soon as it has started. */
  async start() {
    this.stopped = false;
    await this.tick();
    this.timer = setInterval(() => void this.tick(), this.retryMs);
    this.timer.unref();
  }

  async stop() {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.set(false);
    // Ending the session releases the lock at once, so a follower takes over at its next try.
    await this.drop();
  }

  private set(leader: boolean) {
    if (leader === this.leader) return;
    this.leader = leader;
    this.log.info({ leader }, leader ? 'took the lead: cluster jobs run here' : 'stepped down');
    for (const l of [...this.listeners]) {
      try {
        l(leader);
      } catch (err) {
        this.log.error({ err }, 'leadership listener failed');
      }
    }
  }

  /** Follower: one try for the lock. Leader: one round trip to prove the session is alive. */
  private async tick() {
    if (this.busy || this.stopped) return;
    this.busy = true;
    try {
      const client = this.client ?? (await this.connect());
      if (this.leader) await this.withTimeout(client.query('SELECT 1'));
      else {
        const { rows } = await this.withTimeout(client.query('SELECT pg_try_advisory_lock($1) AS ok', [LEADER_LOCK]));
        if (rows[0].ok && !this.stopped) this.set(true);
      }
    } catch (err) {
      this.lost(err as Error);
    } finally {
      this.busy = false;
    }
  }

  private async connect(): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: this.url, keepAlive: true, connectionTimeoutMillis: 5000 });
    // Fires when the server ends the session (restart, pg_terminate_backend) or the socket dies:
    // step down before anything else runs, since the lock may already be someone else's.
    client.on('error', (err) => this.client === client && this.lost(err));
    client.on('end', () => this.client === client && this.lost(new Error('connection ended')));
    this.client = client;
    try {
      await client.connect();
      // The leader pings every retryMs; silence longer than this means it is frozen or cut off.
      await client.query(`SET idle_session_timeout = ${Math.round(this.sessionTimeoutMs)}`);
    } catch (err) {
      this.client = null;
      await client.end().catch(() => {});
      throw err;
    }
    return client;
  }

  private lost(err: Error) {
    if (this.leader) this.log.warn({ err: err.message }, 'leader connection lost; stepping down');
    else if (!this.stopped) this.log.debug({ err: err.message }, 'leadership try failed; will retry');
    this.set(false);
    void this.drop();
  }

  private async drop() {
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => {});
  }

  private withTimeout<T>(p: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('leadership check timed out')), this.checkTimeoutMs);
    });
    return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
  }
}

/** The leadership a hub uses: the PostgreSQL lock when its store of record is PostgreSQL. */
export function leadershipFor(config: { databaseUrl?: string | null }, log: Logger): Leadership {
  const url = config.databaseUrl;
  return url && /^postgres(ql)?:\/\//.test(url) ? new PgLeadership(url, log) : new SingleNodeLeadership();
}
