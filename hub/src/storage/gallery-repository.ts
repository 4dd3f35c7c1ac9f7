import type { GalleryTemplate } from '@shopwatch/protocols';

export interface NewTemplate {
  id: string;
  scheme: string;
  subjectId: string;
  photoId: string | null;
  descriptor: Float32Array;
  expiresAt: string;
}

/**
 * Matching templates per scheme, the scheme's gallery version, and what each edge box applied.
 * Every method that changes templates bumps the version in the same transaction, so an edge
 * box that has applied version N has every change up to N.
 */
export interface GalleryRepository {
  version(scheme: string): Promise<number>;
  /** Adds templates and bumps the scheme's gallery version, in one transaction. */
  addTemplates(scheme: string, templates: NewTemplate[]): Promise<number>;
  /** Moves a subject's templates' expiry (renewal) and bumps the version. */
  renew(scheme: string, subjectId: string, expiresAt: string): Promise<number>;
  /** Templates held for a subject (any scheme): what the subject API shows. */
  count(subjectId: string): Promise<number>;
  /** Deletes a subject's templates (removal, expiry) and bumps the version. */
  removeSubject(scheme: string, subjectId: string): Promise<number>;
  /** Deletes every template whose expiry has passed; returns the schemes whose version changed. */
  purgeExpired(now: string): Promise<{ scheme: string; version: number; subjects: string[] }[]>;
  activeTemplates(scheme: string, now: string): Promise<GalleryTemplate[]>;
  recordApplied(deviceId: string, version: number, templates: number, at: string): Promise<void>;
  applied(deviceId: string): Promise<{ version: number; templates: number; appliedAt: string } | null>;
}
