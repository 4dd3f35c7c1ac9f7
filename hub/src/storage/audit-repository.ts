/** One entry of the hash-chained audit log, as stored (see audit/log.ts for how it is sealed). */
export interface AuditEntry {
  seq: number;
  at: string;
  scheme: string;
  actor: { kind: string; id: string };
  action: string;
  object: { kind: string; id: string };
  subjectId: string | null;
  detail: Record<string, unknown> | null;
  prevHash: string;
  hash: string;
}

/** The newest entry: what the next one links to. */
export interface ChainHead {
  seq: number;
  hash: string;
}

/** An entry ready to store with its MAC (kept apart from the row: it is the key holder's). */
export interface SealedEntry {
  entry: AuditEntry;
  mac: string;
}

export interface AuditFilter {
  scheme: string;
  /** The viewer's filters: who (actor id), what (action), from (inclusive) and to (exclusive). */
  actor?: string;
  action?: string;
  /** ISO instants with any offset; compared as instants. */
  from?: string;
  to?: string;
  subjectId?: string;
  objectKind?: string;
  objectId?: string;
  /** 200 when not given. */
  limit?: number;
  /** Only entries with a smaller seq: the paging cursor. */
  before?: number;
}

/**
 * The rows of the append-only audit log. The chain itself (hashes, MACs, the anchor file) is
 * the audit module's; this only stores it. Atomicity lives in `append`: the implementation
 * reads the head and inserts the entry `seal` builds from it in ONE transaction that excludes
 * every other append (SQLite: BEGIN IMMEDIATE; PostgreSQL: a lock on the log), so two appends
 * can never link to the same head and the chain has no forks or gaps.
 */
export interface AuditRepository {
  /** The newest entry's seq and hash; null while the log is empty. */
  head(): Promise<ChainHead | null>;
  /** How many entries carry a MAC (0: a log that was never signed). */
  signedCount(): Promise<number>;
  /** `seal` runs inside the transaction and must be synchronous and side-effect free. */
  append(seal: (head: ChainHead | null) => SealedEntry): Promise<AuditEntry>;
  /** Matching entries, newest first. */
  list(f: AuditFilter): Promise<AuditEntry[]>;
  /** Up to `limit` entries with seq > `afterSeq`, oldest first, each with its MAC (null: none). */
  chain(afterSeq: number, limit: number): Promise<(AuditEntry & { mac: string | null })[]>;
}
