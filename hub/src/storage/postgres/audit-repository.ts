import type pg from 'pg';
import type { AuditEntry, AuditFilter, AuditRepository, ChainHead, SealedEntry } from '../audit-repository';
import { auditFromRow } from '../sqlite-audit-repository';
import { withPgDomainErrors } from './domain-errors';
import type { Queryable } from './alert-queries';
import { inTransaction } from './pool';

const METHODS = {
  head: 1,
  signedCount: 1,
  append: 1,
  list: 1,
  chain: 1,
} satisfies Record<keyof AuditRepository, 1>;

/**
 * Transaction-scoped advisory lock held by every append from the moment it reads the chain head
 * until its COMMIT. With several hub replicas on one database, two appends could otherwise read
 * the same head and both link to it (a fork), or one could take seq N+1 while N is uncommitted.
 * Serialised, each append sees the previous one's committed row: one chain, no gaps.
 */
export const AUDIT_CHAIN_LOCK = 0x5357_0003;

async function headOf(q: Queryable): Promise<ChainHead | null> {
  const { rows } = await q.query('SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1');
  return rows[0] ? { seq: rows[0].seq as number, hash: rows[0].hash as string } : null;
}

/** The audit log's rows on PostgreSQL; the chain itself (hashes, MACs, anchor) is audit/log.ts's. */
export class PgAuditRepository implements AuditRepository {
  constructor(private pool: pg.Pool) {
    withPgDomainErrors<AuditRepository>(this, METHODS);
  }

  async head() {
    return headOf(this.pool);
  }

  async signedCount() {
    return (await this.pool.query('SELECT COUNT(*) AS n FROM audit_mac')).rows[0].n as number;
  }

  async append(seal: (head: ChainHead | null) => SealedEntry): Promise<AuditEntry> {
    return inTransaction(this.pool, async (q) => {
      await q.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_CHAIN_LOCK]);
      const { entry, mac } = seal(await headOf(q));
      await q.query(
        `INSERT INTO audit (seq, at, scheme, actor_kind, actor_id, action, object_kind, object_id,
        subject_id, detail, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
        [
          entry.seq,
          entry.at,
          entry.scheme,
          entry.actor.kind,
          entry.actor.id,
          entry.action,
          entry.object.kind,
          entry.object.id,
          entry.subjectId,
          entry.detail ? JSON.stringify(entry.detail) : null,
          entry.prevHash,
          entry.hash,
        ],
      );
      await q.query('INSERT INTO audit_mac (seq, mac) VALUES ($1, $2)', [entry.seq, mac]);
      return entry;
    });
  }

  async list(f: AuditFilter) {
    const args: unknown[] = [f.scheme];
    const arg = (v: unknown) => `$${args.push(v)}`;
    const where = ['scheme = $1'];
    if (f.subjectId) where.push(`subject_id = ${arg(f.subjectId)}`);
    if (f.objectKind) where.push(`object_kind = ${arg(f.objectKind)}`);
    if (f.objectId) where.push(`object_id = ${arg(f.objectId)}`);
    if (f.before) where.push(`seq < ${arg(f.before)}`);
    if (f.actor) where.push(`actor_id = ${arg(f.actor)}`);
    if (f.action) where.push(`action = ${arg(f.action)}`);
    // Compared as instants: `at` is always UTC ISO, a filter may carry any offset.
    if (f.from) where.push(`at >= ${arg(new Date(f.from).toISOString())}`);
    if (f.to) where.push(`at < ${arg(new Date(f.to).toISOString())}`);
    const sql = `SELECT * FROM audit WHERE ${where.join(' AND ')} ORDER BY seq DESC LIMIT ${arg(f.limit ?? 200)}`;
    return (await this.pool.query(sql, args)).rows.map(auditFromRow);
  }

  async chain(afterSeq: number, limit: number) {
    const { rows } = await this.pool.query(
      `SELECT a.*, m.mac FROM audit a LEFT JOIN audit_mac m ON m.seq = a.seq
      WHERE a.seq > $1 ORDER BY a.seq LIMIT $2`,
      [afterSeq, limit],
    );
    return rows.map((r) => ({ ...auditFromRow(r), mac: (r.mac as string | null) ?? null }));
  }
}
