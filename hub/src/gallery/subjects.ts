import crypto from 'node:crypto';
import type { PurgeStatus, Subject, SubjectInput } from '@shopwatch/protocols';
import type { AuditLog } from '../audit/log';
import type { Principal } from '../auth/principal';
import type { HubDirectory } from '../directory-interface';
import { HubError, notFound } from '../errors';
import type { BlobStore } from '../files/blob-store';
import type { Logger } from '../log';
import type { GalleryRepository } from '../storage/gallery-repository';
import type { GovernanceRepository, StoredSubject } from '../storage/governance-repository';
import { actorOf, must } from './access';
import type { FaceChecker } from './faces';
import { type CleanPhoto, PhotoIntake } from './photo-intake';
import type { GallerySync } from './sync';

const DAY = 86_400_000;

/** What the subject register needs from its neighbours, given at construction. */
export interface SubjectLinks {
  /** Called after a purge: the review queue drops the subject's pending candidates. */
  purged(scheme: string, subjectId: string): Promise<void>;
}

/**
 * Where gallery photos live in the blob store: `gallery/{subjectId}/{photoId}.img` (on one machine
 * `{dataDir}/gallery/...` as before). In a cluster the store is one shared mount, so a photo
 * enrolled on one replica is served, exported and purged by any other.
 */
export const subjectKey = (subjectId: string) => `gallery/${subjectId}`;
export const photoKey = (subjectId: string, photoId: string) => `${subjectKey(subjectId)}/${photoId}.img`;

/**
 * Gallery subjects under written rules: enrolment needs a linked incident with a statement and
 * a reason from the list; no one under 18 or vulnerable is enrolled; each photo must hold one
 * usable face. Entries expire unless renewed; expiry and removal purge photos and templates here
 * and on every edge box. Every view is audited.
 */
export class SubjectService {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private repo: GovernanceRepository,
    private gallery: GalleryRepository,
    private sync: GallerySync,
    private dir: HubDirectory,
    private faces: FaceChecker,
    private audit: AuditLog,
    private log: Logger,
    private blobs: BlobStore,
    private links: SubjectLinks,
    private intake = new PhotoIntake(),
  ) {}

  /**
   * Runs the sweep now and every `sweepMs`. In a cluster only the leader runs it (features.ts),
   * and it may be stopped and started again as the lead moves; a sweep under way when it stops
   * makes no further change. Each change is claimed by a conditional write anyway.
   */
  start(sweepMs = 60_000) {
    this.stop();
    const sweeping = () => this.timer !== null;
    this.timer = setInterval(() => void this.expireDue(sweeping), sweepMs);
    this.timer.unref();
    void this.expireDue(sweeping);
  }

  stop() {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** The stored subject with its template count, which the gallery repository holds. */
  private async withTemplates(s: StoredSubject): Promise<Subject> {
    return { ...s, templates: await this.gallery.count(s.id) };
  }

  private async lifetimeDays(scheme: string, status: Subject['status']) {
    return (await this.dir.scheme(scheme)).settings.galleryDays[status];
  }

  private async find(p: Principal, id: string): Promise<Subject> {
    const s = await this.repo.subject(id);
    if (!s || s.scheme !== p.scheme) throw notFound(`subject "${id}"`);
    return this.withTemplates(s);
  }

  async enrol(p: Principal, input: SubjectInput): Promise<Subject> {
    must(p, 'manageGallery');
    if (input.under18 || input.vulnerable)
      throw new HubError(
        'bad_request',
        'a person under 18 or vulnerable cannot be enrolled for matching; record the incidents and use other measures',
      );
    const incidents = await Promise.all(input.incidentIds.map((id) => this.repo.incident(id)));
    incidents.forEach((inc, i) => {
      if (!inc || inc.scheme !== p.scheme)
        throw new HubError('bad_request', `incidentIds.${i}: unknown incident "${input.incidentIds[i]}"`);
    });
    if (!incidents.some((inc) => inc!.statement))
      throw new HubError('bad_request', 'enrolment needs at least one linked incident with a witness statement');
    const id = `subj-${crypto.randomUUID()}`;
    const now = new Date();
    const expiresAt = new Date(now.getTime() + (await this.lifetimeDays(p.scheme, input.status)) * DAY).toISOString();
    await this.repo.addSubject(id, p.scheme, input, p.id, now.toISOString(), expiresAt);
    await this.audit.append({
      scheme: p.scheme,
      actor: actorOf(p),
      action: 'create',
      object: { kind: 'subject', id },
      subjectId: id,
      detail: { reason: input.reason, status: input.status, incidents: input.incidentIds },
    });
    this.log.info({ subjectId: id, by: p.id }, 'subject enrolled');
    return this.find(p, id);
  }

  /**
   * Everything about a photo upload that does not need the photo: role, subject, source. The
   * route calls this BEFORE it reads the body, so a member's 600 MB upload is refused at once.
   */
  async checkPhotoUpload(p: Principal, id: string, source: string): Promise<Subject> {
    must(p, 'manageGallery');
    const s = await this.find(p, id);
    if (s.state !== 'active') throw new HubError('conflict', `subject is ${s.state}`);
    if (!source.trim())
      throw new HubError('bad_request', 'say where the photo comes from (source), e.g. "CCTV Boots 2026-11-02"');
    return s;
  }

  /**
   * Adds a photo: JPEG or PNG, re-encoded here without metadata, with one usable face, checked
   * and described here; photos never go to edge boxes.
   */
  async addPhoto(p: Principal, id: string, image: Buffer, source: string): Promise<Subject> {
    const s = await this.checkPhotoUpload(p, id, source);
    // The face check reads the re-encoded photo, inside the photo pool.
    const check = async (clean: CleanPhoto) => ({ clean, checked: await this.faces.check(clean.data) });
    const { clean, checked } = await this.intake.process(image, check);
    const photoId = `photo-${crypto.randomUUID()}`;
    // Written whole under a temporary name, fsynced and renamed: never half a photo on the store.
    await this.blobs.put(photoKey(id, photoId), clean.data);
    const sha256 = crypto.createHash('sha256').update(clean.data).digest('hex');
    await this.repo.addPhoto({
      id: photoId,
      subjectId: id,
      sha256,
      bytes: clean.data.length,
      width: checked.width,
      height: checked.height,
      source: source.slice(0, 200),
      face: checked.face,
      createdAt: new Date().toISOString(),
      createdBy: p.id,
    });
    const version = await this.gallery.addTemplates(p.scheme, [
      {
        id: `tpl-${crypto.randomUUID()}`,
        scheme: p.scheme,
        subjectId: id,
        photoId,
        descriptor: checked.descriptor,
        expiresAt: s.expiresAt,
      },
    ]);
    await this.audit.append({
      scheme: p.scheme,
      actor: actorOf(p),
      action: 'create',
      object: { kind: 'photo', id: photoId },
      subjectId: id,
      detail: { sha256, source, type: clean.type },
    });
    await this.sync.changed(p.scheme, version);
    return this.find(p, id);
  }

  /** A local path of the photo for what reads files (the routes, the subject access export). */
  photoPath(subjectId: string, photoId: string) {
    return this.blobs.localPath(photoKey(subjectId, photoId));
  }

  async view(p: Principal, id: string): Promise<Subject> {
    must(p, 'viewGallery');
    const s = await this.find(p, id);
    await this.audit.append({
      scheme: p.scheme,
      actor: actorOf(p),
      action: 'view',
      object: { kind: 'subject', id },
      subjectId: id,
    });
    return s;
  }

  async list(p: Principal, state: Subject['state'] | null): Promise<Subject[]> {
    must(p, 'viewGallery');
    const list = await Promise.all((await this.repo.subjects(p.scheme, state)).map((s) => this.withTemplates(s)));
    await this.audit.append({
      scheme: p.scheme,
      actor: actorOf(p),
      action: 'view',
      object: { kind: 'subject', id: '*list*' },
      detail: { count: list.length, state },
    });
    return list;
  }

  /** The photo itself, to an authorised user only; audited. Its type is read from its bytes. */
  async photo(p: Principal, id: string, photoId: string): Promise<{ file: string; sha256: string }> {
    must(p, 'viewGallery');
    const s = await this.find(p, id);
    const ph = s.photos.find((x) => x.id === photoId && !x.deleted);
    if (!ph) throw notFound(`photo "${photoId}"`);
    await this.audit.append({
      scheme: p.scheme,
      actor: actorOf(p),
      action: 'view',
      object: { kind: 'photo', id: photoId },
      subjectId: id,
    });
    return { file: this.photoPath(id, photoId), sha256: ph.sha256 };
  }

  /** A new incident renews the entry for the status's full lifetime. */
  async linkIncident(p: Principal, id: string, incidentId: string): Promise<Subject> {
    must(p, 'manageGallery');
    const s = await this.find(p, id);
    const inc = await this.repo.incident(incidentId);
    if (!inc || inc.scheme !== p.scheme) throw new HubError('bad_request', `unknown incident "${incidentId}"`);
    if (s.state !== 'active') throw new HubError('conflict', `subject is ${s.state}`);
    const expiresAt = new Date(Date.now() + (await this.lifetimeDays(p.scheme, s.status)) * DAY).toISOString();
    // The subject row and the gallery's templates are two stores (two transactions): the
    // entry is renewed first, so a crash in between leaves templates expiring early, not late.
    await this.repo.linkIncident(id, incidentId, new Date().toISOString(), expiresAt);
    const version = await this.gallery.renew(p.scheme, id, expiresAt);
    await this.audit.append({
      scheme: p.scheme,
      actor: actorOf(p),
      action: 'update',
      object: { kind: 'subject', id },
      subjectId: id,
      detail: { linkedIncident: incidentId, expiresAt },
    });
    await this.sync.changed(p.scheme, version);
    return this.find(p, id);
  }

  async remove(p: Principal, id: string, reason: string): Promise<Subject> {
    must(p, 'manageGallery');
    const s = await this.find(p, id);
    if (s.state !== 'active') throw new HubError('conflict', `subject is already ${s.state}`);
    if (!(await this.purge(p.scheme, id, 'removed', reason, actorOf(p))))
      throw new HubError('conflict', 'subject was ended by someone else a moment ago');
    return this.find(p, id);
  }

  /** `keepGoing` is asked before each subject: a node that lost the lead stops at once. */
  async expireDue(keepGoing: () => boolean = () => true) {
    try {
      for (const s of await this.repo.dueForExpiry(new Date().toISOString())) {
        if (!keepGoing()) break;
        await this.purge(s.scheme, s.id, 'expired', 'gallery lifetime ended without renewal', {
          kind: 'hub',
          id: 'expiry',
        });
      }
    } catch (err) {
      this.log.error({ err }, 'gallery expiry failed');
    }
  }

  /**
   * Deletes photos and templates, records the purge, and tells every edge box. False (and
   * nothing done) if the subject had already ended: ending it is the claim, so of two hub nodes
   * purging at once only one records the purge and publishes a gallery version.
   */
  private async purge(
    scheme: string,
    id: string,
    state: 'expired' | 'removed',
    reason: string,
    actor: { kind: string; id: string },
  ): Promise<boolean> {
    const at = new Date().toISOString();
    // Two stores, two transactions (as before storage was split): the entry ends first, so a crash
    // in between leaves templates on the boxes but the hub refuses their candidates (not active).
    if (!(await this.repo.endSubject(id, state, at, reason))) return false;
    await this.blobs.deleteAll(subjectKey(id));
    const version = await this.gallery.removeSubject(scheme, id);
    await this.repo.addPurge(scheme, id, version, reason, at);
    await this.audit.append({
      scheme,
      actor,
      action: 'purge',
      object: { kind: 'subject', id },
      subjectId: id,
      detail: { state, reason, version },
    });
    this.log.info({ subjectId: id, state, version }, 'subject purged');
    await this.sync.changed(scheme, version);
    await this.links.purged(scheme, id);
    return true;
  }

  /** Each purge and which edge boxes have (not yet) applied a gallery version that includes it. */
  async purges(p: Principal): Promise<PurgeStatus[]> {
    must(p, 'manageGallery');
    const edges = (await this.dir.devices(p.scheme)).filter((d) => d.kind === 'edge');
    const applied = new Map<string, number>();
    for (const e of edges) applied.set(e.id, (await this.gallery.applied(e.id))?.version ?? 0);
    const purges = await this.repo.purges(p.scheme);
    const aliases = await Promise.all(purges.map((x) => this.repo.alias(p.scheme, x.subjectId)));
    return purges.map((x, i) => ({
      subjectId: x.subjectId,
      alias: aliases[i]!,
      version: x.version,
      reason: x.reason,
      at: x.at,
      confirmedBy: edges.filter((e) => applied.get(e.id)! >= x.version).map((e) => e.id),
      pending: edges.filter((e) => applied.get(e.id)! < x.version).map((e) => e.id),
    }));
  }
}
