import fs from 'node:fs';
import path from 'node:path';
import { type GallerySnapshot, decodeDescriptor } from '@shopwatch/protocols';
import { fsyncDir, fsyncFile } from '../durable-fs';
import { type TemplateProblem, templateProblem } from './template-check';

export interface Template {
  subjectId: string;
  templateId: string;
  version: number;
  descriptor: Float32Array;
  expiresAt: number;
}

/**
 * The gallery templates this box matches against: descriptors only (the hub never sends photos),
 * kept in memory and in one file so matching survives a restart while the hub is unreachable.
 * Replacing the set or dropping an expired entry rewrites the file at once (fsynced), so a purge
 * is applied on disk as well as in memory.
 */
export class GalleryStore {
  private templates: Template[] = [];
  private _skipped: TemplateProblem[] = [];
  private _version = 0;
  private readonly file: string;

  constructor(dir: string) {
    fs.mkdirSync(dir, { recursive: true });
    this.file = path.join(dir, 'gallery.json');
    this.load();
  }

  get version() {
    return this._version;
  }

  all(): readonly Template[] {
    return this.templates;
  }

  /** Templates of the current version that failed validation and are not matched against. */
  get skipped(): readonly TemplateProblem[] {
    return this._skipped;
  }

  private load() {
    if (!fs.existsSync(this.file)) return;
    const data = JSON.parse(fs.readFileSync(this.file, 'utf8')) as GallerySnapshot;
    this.set(data, false);
    this.expire(Date.now());
  }

  /**
   * Replaces the whole set with the hub's snapshot; anything absent is gone here too. Templates
   * that fail validation are skipped (see {@link skipped}); the rest are matched as usual.
   */
  apply(snapshot: GallerySnapshot): { version: number; templates: number; skipped: number } {
    this.set(snapshot, true);
    this.expire(Date.now());
    return { version: this._version, templates: this.templates.length, skipped: this._skipped.length };
  }

  private set(s: GallerySnapshot, persist: boolean) {
    this._version = s.version;
    const good: Template[] = [];
    const skipped: TemplateProblem[] = [];
    for (const t of s.templates) {
      const problem = templateProblem(t);
      if (problem) skipped.push({ subjectId: t.subjectId, templateId: t.templateId, problem });
      else {
        good.push({
          subjectId: t.subjectId,
          templateId: t.templateId,
          version: t.version,
          descriptor: decodeDescriptor(t.descriptor),
          expiresAt: Date.parse(t.expiresAt),
        });
      }
    }
    this.templates = good;
    this._skipped = skipped;
    if (persist) this.persist(s);
  }

  /** Drops expired templates at once, even while the hub is unreachable. Returns how many. */
  expire(now: number): number {
    const keep = this.templates.filter((t) => t.expiresAt > now);
    const dropped = this.templates.length - keep.length;
    if (dropped) {
      this.templates = keep;
      const raw = JSON.parse(fs.readFileSync(this.file, 'utf8')) as GallerySnapshot;
      this.persist({ ...raw, templates: raw.templates.filter((t) => Date.parse(t.expiresAt) > now) });
    }
    return dropped;
  }

  private persist(s: GallerySnapshot) {
    const tmp = `${this.file}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(s));
    fsyncFile(tmp);
    fs.renameSync(tmp, this.file);
    fsyncDir(path.dirname(this.file));
  }
}
