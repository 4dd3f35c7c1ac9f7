import fs from 'node:fs';
import { Readable } from 'node:stream';
import { type Alert, AlertMatch, FieldGallery, SubjectHit } from '@shopwatch/protocols';
import type { AlertService } from '../alerts/service';
import type { AuditLog } from '../audit/log';
import type { Principal } from '../auth/principal';
import { notFound } from '../errors';
import type { EvidenceService } from '../evidence/service';
import { sniff } from '../evidence/sniff';
import { actorOf } from '../gallery/access';
import type { FieldGalleryService } from '../gallery/field-gallery';
import type { SubjectService } from '../gallery/subjects';
import type { ReviewService } from '../review/service';
import { type HubRouteGroup, routeOf } from './route-table';

/** What the field routes read. */
export interface FieldRouteDeps {
  alerts: Pick<AlertService, 'visible'>;
  audit: Pick<AuditLog, 'append'>;
  evidence: Pick<EvidenceService, 'view'>;
  review: Pick<ReviewService, 'file'>;
  governance: {
    fieldGallery: Pick<FieldGalleryService, 'photoOf' | 'search' | 'list'>;
    subjects: Pick<SubjectService, 'photo'>;
  };
}

// Pictures of people: never kept by a browser or a proxy, never guessed as another type.
const PRIVATE = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' } as const;
const NOT_VISIBLE = { 404: 'Not found, or not visible to you (another zone or scheme)' };

type Match = NonNullable<Alert['match']>;
const matchOf = async (svc: FieldRouteDeps, p: Principal, alertId: string): Promise<{ alert: Alert; match: Match }> => {
  const alert = await svc.alerts.visible(p, alertId);
  if (!alert.match) throw notFound(`match reference of alert "${alertId}"`);
  return { alert, match: alert.match };
};

const route = routeOf<FieldRouteDeps>();

/**
 * What store staff and wardens see of the gallery: the pictures behind a match alert's
 * reference, the alias search of the raise form, and the field gallery. Each alert route first
 * loads the alert as the reader may see it (another zone's or scheme's alert is a 404).
 */
export const FIELD_ROUTES: HubRouteGroup<FieldRouteDeps> = {
  prefix: '/api',
  routes: [
    route({
      method: 'get',
      path: '/alerts/:id/match',
      can: 'viewGallery',
      summary: 'The match reference of an alert about a gallery subject (audited, no-store)',
      responses: { 200: { description: 'The reference', schema: AlertMatch } },
      errors: NOT_VISIBLE,
      handle: async (c, _, svc) => {
        const p = c.get('principal');
        const { alert, match } = await matchOf(svc, p, c.req.param('id')!);
        const object = { kind: 'alert' as const, id: `${alert.id}/match` };
        await svc.audit.append({
          scheme: p.scheme,
          actor: actorOf(p),
          action: 'view',
          object,
          subjectId: match.subjectId,
        });
        return c.json(match, 200, PRIVATE);
      },
    }),
    route({
      method: 'get',
      path: '/alerts/:id/match/photo',
      can: 'viewGallery',
      summary: "The subject's gallery photo, to those who may see the alert (audited, no-store)",
      responses: { 200: { description: 'The photo', raw: ['image/jpeg', 'image/png'] } },
      errors: NOT_VISIBLE,
      handle: async (c, _, svc) => {
        const p = c.get('principal');
        const g = svc.governance;
        const { alert, match } = await matchOf(svc, p, c.req.param('id')!);
        // The current photo: a purged subject's photo is gone, whatever the alert once said.
        const ph = match.photoUrl ? await g.fieldGallery.photoOf(p.scheme, match.subjectId) : null;
        if (!ph) throw notFound('photo');
        const f = await g.subjects.photo(p, ph.subjectId, ph.photoId); // audited there, as every photo view
        const object = { kind: 'alert' as const, id: `${alert.id}/match/photo` };
        await svc.audit.append({
          scheme: p.scheme,
          actor: actorOf(p),
          action: 'view',
          object,
          subjectId: match.subjectId,
        });
        const data = fs.readFileSync(f.file);
        const type = sniff(data.subarray(0, 16)) === 'image/png' ? 'image/png' : 'image/jpeg';
        return c.body(data, 200, { ...PRIVATE, 'content-type': type });
      },
    }),
    route({
      method: 'get',
      path: '/alerts/:id/match/crop',
      can: 'viewGallery',
      summary: 'The confirmed camera crop, re-hashed on every transfer (audited, custody-logged, no-store)',
      responses: { 200: { description: 'The crop', raw: ['image/jpeg', 'image/png'] } },
      errors: NOT_VISIBLE,
      handle: async (c, _, svc) => {
        const p = c.get('principal');
        const { match } = await matchOf(svc, p, c.req.param('id')!);
        const cand = match.cropUrl && match.candidateId ? await svc.evidence.view(match.candidateId) : null;
        const crop = cand?.files.find((x) => x.kind === 'crop' && !x.deleted);
        if (!cand || !crop) throw notFound('crop');
        // Re-hashed, audited and entered in the custody log like every evidence transfer.
        const f = await svc.review.file(p, cand.id, crop.name);
        const stream = Readable.toWeb(fs.createReadStream(f.path)) as ReadableStream;
        return c.body(stream, 200, { ...PRIVATE, 'content-type': f.type, 'content-length': String(f.bytes) });
      },
    }),
    route({
      method: 'get',
      path: '/gallery/search',
      access: 'user',
      summary: 'Active subjects of your scheme whose alias contains q (the raise form; audited)',
      queryDoc: { q: { required: true, description: 'part of an alias, 1 to 80 characters' } },
      responses: { 200: { description: 'Up to 20 subjects', schema: SubjectHit.array() } },
      errors: { 400: 'q missing or too long', 403: 'Role does not allow this' },
      handle: async (c, _, svc) =>
        c.json(await svc.governance.fieldGallery.search(c.get('principal'), c.req.query('q') ?? '')),
    }),
    route({
      method: 'get',
      path: '/field/gallery',
      access: 'user',
      summary: "Your scheme's active subjects with photo URLs and the notices covering your store (audited, no-store)",
      responses: { 200: { description: 'The field gallery', schema: FieldGallery } },
      errors: { 403: 'Role does not allow this' },
      handle: async (c, _, svc) => c.json(await svc.governance.fieldGallery.list(c.get('principal')), 200, PRIVATE),
    }),
  ],
};
