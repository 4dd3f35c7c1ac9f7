import {
  type AlertMatch,
  type FieldGallery,
  type MatchExclusion,
  type SubjectHit,
  cardUrl,
} from '@shopwatch/protocols';
import type { AuditLog } from '../audit/log';
import type { Principal } from '../auth/principal';
import type { HubDirectory } from '../directory-interface';
import { HubError } from '../errors';
import type { GovernanceRepository, StoredSubject } from '../storage/governance-repository';
import { actorOf, must } from './access';

/** Where a confirmed sighting happened: attached to the reference of a gallery-match alert. */
export interface Sighting {
  caseId: string;
  candidateId: string;
  cameraId: string;
  seenAt: string;
  hasCrop: boolean;
}

const photoUrl = (s: StoredSubject) => {
  const ph = s.photos.find((p) => !p.deleted);
  return ph ? `/api/gallery/subjects/${s.id}/photos/${ph.id}` : null;
};

/**
 * What store staff and wardens may see of the gallery: the scheme's active subjects, the
 * notices covering the reader's store, and the reference a subject's alert carries. Reads are
 * audited here; photos are fetched through the gallery's photo route, which audits each one.
 */
export class FieldGalleryService {
  constructor(
    private gov: GovernanceRepository,
    private dir: HubDirectory,
    private audit: AuditLog,
  ) {}

  /** Active notices of the subject that cover the store (or the zone; every one when neither). */
  private async covering(
    scheme: string,
    subjectId: string | null,
    store: string | null,
    zone: string | null,
  ): Promise<MatchExclusion[]> {
    const now = Date.now();
    const storeZone = store ? ((await this.dir.scheme(scheme)).stores.find((s) => s.id === store)?.zone ?? zone) : zone;
    return (await this.gov.exclusions(scheme, subjectId ?? undefined))
      .filter((x) => x.status === 'active' && Date.parse(x.startsAt) <= now && Date.parse(x.endsAt) > now)
      .filter(
        (x) =>
          (!store && !storeZone) ||
          (store !== null && x.stores.includes(store)) ||
          (storeZone !== null && x.zones.includes(storeZone)),
      )
      .map((x) => ({
        id: x.id,
        stores: x.stores,
        zones: x.zones,
        startsAt: x.startsAt,
        endsAt: x.endsAt,
        appealRoute: x.appealRoute,
      }));
  }

  private async activeSubject(scheme: string, id: string): Promise<StoredSubject> {
    const s = await this.gov.subject(id);
    // Another scheme's subject, or one that left the gallery, is "unknown" here: ids leak nothing.
    if (!s || s.scheme !== scheme || s.state !== 'active') {
      throw new HubError('bad_request', `unknown gallery subject "${id}"`);
    }
    return s;
  }

  /**
   * The reference an alert about a subject carries. Built once, when the alert is raised,
   * so that the radio payload and the stored alert say the same thing.
   */
  async reference(
    scheme: string,
    subjectId: string,
    alertId: string,
    store: string | null,
    zone: string,
    sighting: Sighting | null,
  ): Promise<AlertMatch> {
    const s = await this.activeSubject(scheme, subjectId);
    const sc = await this.dir.scheme(scheme);
    const place = store
      ? (sc.stores.find((x) => x.id === store)?.name ?? store)
      : (sc.zones.find((z) => z.id === zone)?.name ?? zone);
    const where = sighting ? `${place}, camera ${sighting.cameraId}` : place;
    const photo = photoUrl(s);
    return {
      subjectId: s.id,
      alias: s.alias,
      reason: s.reason,
      photoUrl: photo ? `/api/alerts/${alertId}/match/photo` : null,
      cropUrl: sighting?.hasCrop ? `/api/alerts/${alertId}/match/crop` : null,
      caseId: sighting?.caseId ?? null,
      candidateId: sighting?.candidateId ?? null,
      cameraId: sighting?.cameraId ?? null,
      seenAt: sighting?.seenAt ?? null,
      exclusions: await this.covering(scheme, s.id, store, store ? null : zone),
      text: `${s.alias} at ${where} (${s.reason.replace(/-/g, ' ')})`.slice(0, 160),
      url: `/api/alerts/${alertId}/match`,
      cardUrl: cardUrl(alertId),
    };
  }

  /** The subject's current gallery photo (null when none): for an alert's photo URL. */
  async photoOf(scheme: string, subjectId: string): Promise<{ subjectId: string; photoId: string } | null> {
    const s = await this.gov.subject(subjectId);
    if (!s || s.scheme !== scheme || s.state !== 'active') return null;
    const ph = s.photos.find((p) => !p.deleted);
    return ph ? { subjectId, photoId: ph.id } : null;
  }

  /** Alias search for the "known offender" raise form; audited like any list view. */
  async search(p: Principal, q: string): Promise<SubjectHit[]> {
    must(p, 'viewGallery');
    const needle = q.trim().toLowerCase();
    if (needle.length < 1 || needle.length > 80) throw new HubError('bad_request', 'q must be 1 to 80 characters');
    const hits = (await this.gov.subjects(p.scheme, 'active'))
      .filter((s) => s.alias.toLowerCase().includes(needle))
      .slice(0, 20)
      .map((s) => ({ id: s.id, alias: s.alias, status: s.status, reason: s.reason }));
    await this.audit.append({
      scheme: p.scheme,
      actor: actorOf(p),
      action: 'view',
      object: { kind: 'subject', id: '*search*' },
      detail: { q: needle, count: hits.length },
    });
    return hits;
  }

  /** The field app's gallery: audited as one list view; each photo fetch is audited on its own. */
  async list(p: Principal): Promise<FieldGallery> {
    must(p, 'viewGallery');
    const subjects = [];
    for (const s of await this.gov.subjects(p.scheme, 'active')) {
      subjects.push({
        id: s.id,
        alias: s.alias,
        status: s.status,
        reason: s.reason,
        photoUrls: s.photos.filter((ph) => !ph.deleted).map((ph) => `/api/gallery/subjects/${s.id}/photos/${ph.id}`),
        exclusions: await this.covering(p.scheme, s.id, p.store, p.store ? null : p.zone),
      });
    }
    await this.audit.append({
      scheme: p.scheme,
      actor: actorOf(p),
      action: 'view',
      object: { kind: 'subject', id: '*field-gallery*' },
      detail: { count: subjects.length, store: p.store },
    });
    return { store: p.store, subjects };
  }
}
