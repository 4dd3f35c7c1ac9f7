import crypto from 'node:crypto';
import type { AuditEntry, AuditFilter, AuditRepository } from '../storage/audit-repository';
import { AuditAnchor } from './anchor';

export type { AuditEntry } from '../storage/audit-repository';

export interface AuditInput {
  scheme: string;
  actor: { kind: string; id: string };
  action: 'view' | 'export' | 'disclose' | 'create' | 'update' | 'delete' | 'decide' | 'purge';
  object: {
    kind:
      | 'subject'
      | 'photo'
      | 'candidate'
      | 'evidence'
      | 'incident'
      | 'exclusion'
      | 'audit'
      | 'alert'
      | 'camera'
      | 'case';
    id: string;
  };
  subjectId?: string | null;
  detail?: Record<string, unknown>;
}

const GENESIS = '0'.repeat(64);

/** The hash of an entry covers every field and the previous entry's hash. */
export function entryHash(e: Omit<AuditEntry, 'hash'>): string {
  const canonical = JSON.stringify([
    e.seq,
    e.at,
    e.scheme,
    e.actor.kind,
    e.actor.id,
    e.action,
    e.object.kind,
    e.object.id,
    e.subjectId,
    e.detail,
    e.prevHash,
  ]);
  return crypto.createHash('sha256').update(canonical).digest('hex');
}

export type VerifyResult =
  | { ok: true; entries: number; anchored: boolean }
  | { ok: false; entries: number; brokenAt: number; reason: string };

/** Entries read per query while verifying: the walk never holds the whole log in memory. */
const VERIFY_PAGE = 1000;

/**
 * The append-only, hash-chained audit log of gallery data: who viewed, exported or disclosed
 * what, and when. Each entry also gets an HMAC under a key kept outside the database, and the
 * newest entry is anchored in a file outside it (see anchor.ts), so truncation and a recomputed
 * chain show. The rows live behind `AuditRepository`, whose `append` links each entry to the
 * head in one exclusive transaction, so the chain has no gaps however many callers append.
 */
export class AuditLog {
  private constructor(
    private repo: AuditRepository,
    private anchor: AuditAnchor | null,
  ) {}

  /** `dir` holds the key and the anchor: the hub's data dir. */
  static async open(repo: AuditRepository, dir: string): Promise<AuditLog> {
    const last = await repo.head();
    const signed = await repo.signedCount();
    // A new key is made only for a log that has never been signed; once entries carry MACs, a
    // missing key is a fault to report (restore it from the backup), never silently replaced.
    const newest = { seq: last?.seq ?? 0, hash: last?.hash ?? GENESIS };
    return new AuditLog(repo, signed === 0 ? AuditAnchor.open(dir, newest) : AuditAnchor.existing(dir));
  }

  private key(): AuditAnchor {
    if (!this.anchor) {
      throw new Error('the audit key (keys/audit-hmac.key in the data dir) is missing: restore it from the backup');
    }
    return this.anchor;
  }

  /** Resolves once the entry is stored; callers await it before they answer (no view goes unaudited). */
  async append(e: AuditInput): Promise<AuditEntry> {
    const key = this.key();
    const entry = await this.repo.append((last) => {
      const base = {
        seq: (last?.seq ?? 0) + 1,
        at: new Date().toISOString(),
        scheme: e.scheme,
        actor: e.actor,
        action: e.action,
        object: e.object,
        subjectId: e.subjectId ?? null,
        detail: e.detail ?? null,
        prevHash: last?.hash ?? GENESIS,
      };
      const entry: AuditEntry = { ...base, hash: entryHash(base) };
      return { entry, mac: key.entryMac(entry.seq, entry.hash) };
    });
    // After the commit: the anchor may lag one entry behind after a crash, never run ahead.
    key.advance(entry.seq, entry.hash);
    return entry;
  }

  /** Newest first. */
  list(f: AuditFilter): Promise<AuditEntry[]> {
    return this.repo.list(f);
  }

  /**
   * Walks the whole chain (a gap anywhere matters to everyone) and names the first entry whose
   * hash, link or MAC does not hold, then checks the chain reaches the anchored entry.
   * `entries` counts the rows of `scope.scheme` only when given, so one scheme's admin does not
   * learn how busy another scheme is.
   */
  async verify(scope: { scheme?: string } = {}): Promise<VerifyResult> {
    if (!this.anchor) {
      return { ok: false, entries: 0, brokenAt: 1, reason: 'the audit key is missing, so no MAC can be checked' };
    }
    const key = this.anchor;
    const anchor = key.read();
    let prev = GENESIS;
    let n = 0;
    let expectSeq = 1;
    const mine = (e: AuditEntry) => !scope.scheme || e.scheme === scope.scheme;
    const broken = (brokenAt: number, reason: string): VerifyResult => ({ ok: false, entries: n, brokenAt, reason });
    for (let page = await this.repo.chain(0, VERIFY_PAGE); page.length; ) {
      for (const e of page) {
        if (mine(e)) n++;
        if (e.seq !== expectSeq) return broken(expectSeq, `entry ${expectSeq} is missing`);
        if (e.prevHash !== prev) return broken(e.seq, `entry ${e.seq} does not link to entry ${e.seq - 1}`);
        if (entryHash(e) !== e.hash) return broken(e.seq, `entry ${e.seq} was altered (hash mismatch)`);
        const signed = anchor.state && e.seq >= anchor.state.macFrom;
        if (signed && !key.macMatches(e.seq, e.hash, e.mac)) {
          const why = 'was not written by this hub (MAC missing or wrong): the chain was recomputed or forged';
          return broken(e.seq, `entry ${e.seq} ${why}`);
        }
        if (anchor.state && e.seq === anchor.state.seq && e.hash !== anchor.state.hash) {
          return broken(e.seq, `entry ${e.seq} differs from the anchored entry: the chain was recomputed`);
        }
        prev = e.hash;
        expectSeq++;
      }
      page = await this.repo.chain(page[page.length - 1]!.seq, VERIFY_PAGE);
    }
    if (!anchor.state) return broken(expectSeq, anchor.problem ?? 'no audit anchor');
    const lastSeq = expectSeq - 1;
    if (lastSeq < anchor.state.seq) {
      const why = `it ends at entry ${lastSeq} but entry ${anchor.state.seq} was anchored`;
      return broken(lastSeq + 1, `the log was truncated: ${why}`);
    }
    return { ok: true, entries: n, anchored: true };
  }
}
