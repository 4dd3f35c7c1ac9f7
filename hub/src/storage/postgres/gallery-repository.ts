import type pg from 'pg';
import type { GalleryRepository, NewTemplate } from '../gallery-repository';
import { descriptorBytes, templateFromRow } from '../sqlite-gallery-repository';
import { withPgDomainErrors } from './domain-errors';
import { inTransaction } from './pool';

const METHODS = {
  version: 1,
  addTemplates: 1,
  renew: 1,
  count: 1,
  removeSubject: 1,
  purgeExpired: 1,
  activeTemplates: 1,
  recordApplied: 1,
  applied: 1,
} satisfies Record<keyof GalleryRepository, 1>;

/**
 * Bumps a scheme's gallery version inside the caller's transaction. The upsert takes the row
 * lock of the scheme's gallery_state, so two replicas changing one scheme's gallery at once
 * queue here and hand out distinct versions, each committed with the change it numbers.
 */
async function bump(q: pg.PoolClient, scheme: string): Promise<number> {
  const { rows } = await q.query(
    `INSERT INTO gallery_state (scheme, version, changed_at) VALUES ($1, 1, $2)
    ON CONFLICT (scheme) DO UPDATE SET version = gallery_state.version + 1, changed_at = excluded.changed_at
    RETURNING version`,
    [scheme, new Date().toISOString()],
  );
  return rows[0].version as number;
}

/** Matching templates and gallery versions on PostgreSQL; each change and its bump are one transaction. */
export class PgGalleryRepository implements GalleryRepository {
  constructor(private pool: pg.Pool) {
    withPgDomainErrors<GalleryRepository>(this, METHODS);
  }

  async version(scheme: string) {
    const { rows } = await this.pool.query('SELECT version FROM gallery_state WHERE scheme = $1', [scheme]);
    return (rows[0]?.version as number | undefined) ?? 0;
  }

  async addTemplates(scheme: string, templates: NewTemplate[]) {
    return inTransaction(this.pool, async (q) => {
      const v = await bump(q, scheme);
      for (const t of templates) {
        await q.query(
          `INSERT INTO templates (id, scheme, subject_id, photo_id, version, descriptor, expires_at, created_at)
          VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
          [
            t.id,
            scheme,
            t.subjectId,
            t.photoId,
            v,
            descriptorBytes(t.descriptor),
            t.expiresAt,
            new Date().toISOString(),
          ],
        );
      }
      return v;
    });
  }

  async renew(scheme: string, subjectId: string, expiresAt: string) {
    return inTransaction(this.pool, async (q) => {
      await q.query('UPDATE templates SET expires_at = $1 WHERE scheme = $2 AND subject_id = $3', [
        expiresAt,
        scheme,
        subjectId,
      ]);
      return bump(q, scheme);
    });
  }

  async count(subjectId: string) {
    const { rows } = await this.pool.query('SELECT COUNT(*) AS n FROM templates WHERE subject_id = $1', [subjectId]);
    return rows[0].n as number;
  }

  async removeSubject(scheme: string, subjectId: string) {
    return inTransaction(this.pool, async (q) => {
      await q.query('DELETE FROM templates WHERE scheme = $1 AND subject_id = $2', [scheme, subjectId]);
      return bump(q, scheme);
    });
  }

  async purgeExpired(now: string) {
    return inTransaction(this.pool, async (q) => {
      // DELETE … RETURNING: what is reported purged is exactly what this transaction deleted, even
      // if another replica purges at the same moment (its DELETE then finds nothing left).
      const { rows } = await q.query('DELETE FROM templates WHERE expires_at <= $1 RETURNING scheme, subject_id', [
        now,
      ]);
      const byScheme = new Map<string, Set<string>>();
      for (const r of rows) byScheme.set(r.scheme, (byScheme.get(r.scheme) ?? new Set()).add(r.subject_id));
      const out: { scheme: string; version: number; subjects: string[] }[] = [];
      for (const [scheme, subjects] of byScheme)
        out.push({ scheme, subjects: [...subjects], version: await bump(q, scheme) });
      return out;
    });
  }

  async activeTemplates(scheme: string, now: string) {
    const { rows } = await this.pool.query(
      'SELECT * FROM templates WHERE scheme = $1 AND expires_at > $2 ORDER BY subject_id, id',
      [scheme, now],
    );
    return rows.map(templateFromRow);
  }

  async recordApplied(deviceId: string, version: number, templates: number, at: string) {
    await this.pool.query(
      `INSERT INTO device_gallery (device_id, version, templates, applied_at) VALUES ($1, $2, $3, $4)
      ON CONFLICT (device_id) DO UPDATE SET version = excluded.version, templates = excluded.templates,
      applied_at = excluded.applied_at`,
      [deviceId, version, templates, at],
    );
  }

  async applied(deviceId: string) {
    const { rows } = await this.pool.query('SELECT * FROM device_gallery WHERE device_id = $1', [deviceId]);
    const r = rows[0];
    return r
      ? { version: r.version as number, templates: r.templates as number, appliedAt: r.applied_at as string }
      : null;
  }
}
