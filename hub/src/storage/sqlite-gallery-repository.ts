import type { GalleryTemplate } from '@shopwatch/protocols';
import { encodeDescriptor } from '@shopwatch/protocols';
import type { GalleryRepository, NewTemplate } from './gallery-repository';
import { type GroupCommit, groupCommitFor } from './group-commit';
import type { Db, SqlRow } from './sqlite';

type Row = SqlRow;

/** The SQLite gallery store; writes share the database's group commit. */
export class SqliteGalleryRepository implements GalleryRepository {
  private writes: GroupCommit;
  constructor(private db: Db) {
    this.writes = groupCommitFor(db);
  }

  private bump(scheme: string): number {
    const now = new Date().toISOString();
    this.db
      .prepare(`INSERT INTO gallery_state (scheme, version, changed_at) VALUES (?, 1, ?)
      ON CONFLICT (scheme) DO UPDATE SET version = version + 1, changed_at = excluded.changed_at`)
      .run(scheme, now);
    return this.db.prepare('SELECT version FROM gallery_state WHERE scheme = ?').pluck().get(scheme) as number;
  }

  async version(scheme: string) {
    return (
      (this.db.prepare('SELECT version FROM gallery_state WHERE scheme = ?').pluck().get(scheme) as
        | number
        | undefined) ?? 0
    );
  }

  async addTemplates(scheme: string, templates: NewTemplate[]) {
    return this.writes.run(() => {
      const v = this.bump(scheme);
      const ins = this.db.prepare(
        `INSERT INTO templates (id, scheme, subject_id, photo_id, version, descriptor, expires_at, created_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      for (const t of templates)
        ins.run(
          t.id,
          scheme,
          t.subjectId,
          t.photoId,
          v,
          descriptorBytes(t.descriptor),
          t.expiresAt,
          new Date().toISOString(),
        );
      return v;
    });
  }

  async renew(scheme: string, subjectId: string, expiresAt: string) {
    return this.writes.run(() => {
      this.db
        .prepare('UPDATE templates SET expires_at = ? WHERE scheme = ? AND subject_id = ?')
        .run(expiresAt, scheme, subjectId);
      return this.bump(scheme);
    });
  }

  async count(subjectId: string) {
    return this.db.prepare('SELECT COUNT(*) FROM templates WHERE subject_id = ?').pluck().get(subjectId) as number;
  }

  async removeSubject(scheme: string, subjectId: string) {
    return this.writes.run(() => {
      this.db.prepare('DELETE FROM templates WHERE scheme = ? AND subject_id = ?').run(scheme, subjectId);
      return this.bump(scheme);
    });
  }

  async purgeExpired(now: string) {
    return this.writes.run(() => {
      const rows = this.db
        .prepare('SELECT DISTINCT scheme, subject_id FROM templates WHERE expires_at <= ?')
        .all(now) as Row[];
      if (!rows.length) return [];
      this.db.prepare('DELETE FROM templates WHERE expires_at <= ?').run(now);
      const byScheme = new Map<string, string[]>();
      for (const r of rows) byScheme.set(r.scheme, [...(byScheme.get(r.scheme) ?? []), r.subject_id]);
      return [...byScheme].map(([scheme, subjects]) => ({ scheme, subjects, version: this.bump(scheme) }));
    });
  }

  async activeTemplates(scheme: string, now: string): Promise<GalleryTemplate[]> {
    const rows = this.db
      .prepare('SELECT * FROM templates WHERE scheme = ? AND expires_at > ? ORDER BY subject_id, id')
      .all(scheme, now) as Row[];
    return rows.map(templateFromRow);
  }

  async recordApplied(deviceId: string, version: number, templates: number, at: string) {
    await this.writes.run(() =>
      this.db
        .prepare(`INSERT INTO device_gallery (device_id, version, templates, applied_at) VALUES (?, ?, ?, ?)
        ON CONFLICT (device_id) DO UPDATE SET version = excluded.version, templates = excluded.templates,
        applied_at = excluded.applied_at`)
        .run(deviceId, version, templates, at),
    );
  }

  async applied(deviceId: string) {
    const r = this.db.prepare('SELECT * FROM device_gallery WHERE device_id = ?').get(deviceId) as Row | undefined;
    return r ? { version: r.version, templates: r.templates, appliedAt: r.applied_at } : null;
  }
}

/** A templates row as the edge boxes get it: the descriptor BLOB/BYTEA is the Float32 bytes. */
export function templateFromRow(r: Row): GalleryTemplate {
  const b = r.descriptor as Buffer;
  return {
    subjectId: r.subject_id,
    templateId: r.id,
    version: r.version,
    expiresAt: r.expires_at,
    descriptor: encodeDescriptor(new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength))),
  };
}

/** The descriptor's bytes as stored (BLOB, BYTEA). */
export const descriptorBytes = (d: Float32Array) => Buffer.from(d.buffer, d.byteOffset, d.byteLength);
