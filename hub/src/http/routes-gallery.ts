import fs from 'node:fs';
import { z } from 'zod';
import {
  Incident,
  IncidentInput,
  NoQuery,
  PurgeStatus,
  RemoveSubject,
  SarQuery,
  Subject,
  SubjectInput,
  SubjectListQuery,
} from '@shopwatch/protocols';
import type { AuditLog } from '../audit/log';
import { HubError } from '../errors';
import { sniff } from '../evidence/sniff';
import { actorOf } from '../gallery/access';
import type { IncidentService } from '../gallery/incidents';
import { MAX_PHOTO_BYTES, readLimited } from '../gallery/photo-intake';
import { subjectAccessExport } from '../gallery/sar';
import { renderSubjectAccessHtml } from '../gallery/sar-html';
import type { SubjectService } from '../gallery/subjects';
import type { Metrics } from '../metrics';
import type { EvidenceRepository } from '../storage/evidence-repository';
import type { GalleryRepository } from '../storage/gallery-repository';
import type { GovernanceRepository } from '../storage/governance-repository';
import type { Repository } from '../storage/repository';
import { bidiSafeJson } from './bidi-json';
import { type HubRouteGroup, routeOf } from './route-table';
import { discardRestOfBody } from './unread-body';

/** What the incident and gallery routes use. */
export interface GalleryRouteDeps {
  governance: {
    // Whole: the subject access export reads every table of it.
    gov: GovernanceRepository;
    incidents: Pick<IncidentService, 'record' | 'list' | 'view'>;
    subjects: Pick<
      SubjectService,
      | 'list'
      | 'enrol'
      | 'view'
      | 'checkPhotoUpload'
      | 'addPhoto'
      | 'photo'
      | 'photoPath'
      | 'linkIncident'
      | 'remove'
      | 'purges'
    >;
  };
  metrics: Pick<Metrics, 'refused'>;
  // The subject access export reads everything held about a subject.
  galleryRepo: Pick<GalleryRepository, 'count'>;
  evidenceRepo: EvidenceRepository;
  repo: Repository;
  audit: AuditLog;
}

const route = routeOf<GalleryRouteDeps>();
const LinkIncident = z.strictObject({ incidentId: z.string().min(1) });
const NOT_YOURS = { 404: 'Not found, or of another scheme' };

/** Incidents and the offender gallery: subjects, their photos, purges and subject access exports. */
export const GALLERY_ROUTES: HubRouteGroup<GalleryRouteDeps> = {
  prefix: '/api',
  routes: [
    route({
      method: 'post',
      path: '/incidents',
      access: 'user',
      summary: 'Record an incident (the written ground a gallery entry is enrolled against)',
      body: IncidentInput,
      responses: { 201: { description: 'The incident', schema: Incident } },
      errors: [403],
      handle: async (c, { body }, svc) => c.json(await svc.governance.incidents.record(c.get('principal'), body), 201),
    }),
    route({
      method: 'get',
      path: '/incidents',
      access: 'user',
      summary: "Your scheme's incidents (a member sees their store's)",
      query: NoQuery,
      responses: { 200: { description: 'Incidents', schema: Incident.array() } },
      handle: async (c, _, svc) => c.json(await svc.governance.incidents.list(c.get('principal'))),
    }),
    route({
      method: 'get',
      path: '/incidents/:id',
      access: 'user',
      summary: 'One incident',
      responses: { 200: { description: 'The incident', schema: Incident } },
      errors: NOT_YOURS,
      handle: async (c, _, svc) => c.json(await svc.governance.incidents.view(c.get('principal'), c.req.param('id')!)),
    }),
    route({
      method: 'get',
      path: '/gallery/subjects',
      access: 'user',
      summary: 'Gallery subjects by state (audited)',
      query: SubjectListQuery,
      responses: { 200: { description: 'Subjects', schema: Subject.array() } },
      errors: [403],
      handle: async (c, { query }, svc) =>
        c.json(await svc.governance.subjects.list(c.get('principal'), query.state === 'all' ? null : query.state)),
    }),
    route({
      method: 'post',
      path: '/gallery/subjects',
      access: 'user',
      summary: 'Enrol a subject against written criteria: a linked incident, a reason and an image source',
      body: SubjectInput,
      responses: { 201: { description: 'The subject', schema: Subject } },
      errors: [403, 409],
      handle: async (c, { body }, svc) => c.json(await svc.governance.subjects.enrol(c.get('principal'), body), 201),
    }),
    route({
      method: 'get',
      path: '/gallery/subjects/:id',
      access: 'user',
      summary: 'One subject (audited)',
      responses: { 200: { description: 'The subject', schema: Subject } },
      errors: { 403: 'Role does not allow this', ...NOT_YOURS },
      handle: async (c, _, svc) => c.json(await svc.governance.subjects.view(c.get('principal'), c.req.param('id')!)),
    }),
    route({
      method: 'post',
      path: '/gallery/subjects/:id/photos',
      access: 'user',
      summary:
        'Add an enrolment photo (coordinator, admin): JPEG or PNG by its bytes, at most 10 MB and ' +
        '4096 × 4096 pixels, one usable face; re-encoded without metadata. Role and subject are checked ' +
        'before the body is read. A refusal for its faces carries `faces` (boxes and the size they refer to)',
      // Checked by the service after the role and the subject, so a stranger learns nothing from it.
      queryDoc: { source: { required: true, description: 'where the image came from (CCTV still, custody, ...)' } },
      body: { raw: ['image/jpeg', 'image/png'], description: 'The photo, read only after the checks' },
      responses: { 201: { description: 'The subject with the new photo', schema: Subject } },
      errors: [400, 403, 404, 409, 413, 415, 503],
      handle: async (c, _, svc) => {
        const g = svc.governance;
        const source = c.req.query('source') ?? '';
        let image: Buffer;
        try {
          // Role, subject and source first, then the size: the body is read only for a real upload.
          await g.subjects.checkPhotoUpload(c.get('principal'), c.req.param('id')!, source);
          const len = Number(c.req.header('content-length') ?? 0);
          if (len > MAX_PHOTO_BYTES) {
            throw new HubError('payload_too_large', `photos are limited to ${MAX_PHOTO_BYTES} bytes`);
          }
          image = await readLimited(c.req.raw.body, MAX_PHOTO_BYTES);
        } catch (err) {
          discardRestOfBody(c); // answer, then cut off the rest of a refused body
          if (!(err instanceof HubError)) throw err;
          // Answered here, not by the app's error handler, which adds "Connection: close" to a 413:
          // closing with the body unread would reset the connection and lose this answer.
          svc.metrics.refused.inc({ channel: 'http', code: err.code });
          return c.json(err.toBody(), err.status as 400);
        }
        return c.json(await g.subjects.addPhoto(c.get('principal'), c.req.param('id')!, image, source), 201);
      },
    }),
    route({
      method: 'get',
      path: '/gallery/subjects/:id/photos/:photoId',
      access: 'user',
      summary: 'A stored photo, re-encoded by the hub (audited, no-store, X-Content-Sha256)',
      responses: { 200: { description: 'The photo', raw: ['image/jpeg', 'image/png'] } },
      errors: { 403: 'Role does not allow this', ...NOT_YOURS },
      handle: async (c, _, svc) => {
        const f = await svc.governance.subjects.photo(c.get('principal'), c.req.param('id')!, c.req.param('photoId')!);
        const data = fs.readFileSync(f.file);
        // Stored photos were re-encoded by the hub as JPEG or PNG; the bytes say which.
        const sniffed = sniff(data.subarray(0, 16));
        const type = sniffed === 'image/png' || sniffed === 'image/jpeg' ? sniffed : 'application/octet-stream';
        return c.body(data, 200, {
          'content-type': type,
          'x-content-type-options': 'nosniff',
          'cache-control': 'no-store',
          'x-content-sha256': f.sha256,
        });
      },
    }),
    route({
      method: 'post',
      path: '/gallery/subjects/:id/incidents',
      access: 'user',
      summary: 'Link another incident to a subject',
      body: LinkIncident,
      responses: { 200: { description: 'The subject', schema: Subject } },
      errors: [403, 404, 409],
      handle: async (c, { body }, svc) =>
        c.json(await svc.governance.subjects.linkIncident(c.get('principal'), c.req.param('id')!, body.incidentId)),
    }),
    route({
      method: 'post',
      path: '/gallery/subjects/:id/remove',
      access: 'user',
      summary: 'Remove a subject: its templates are purged on the hub and on every edge box',
      body: RemoveSubject,
      responses: { 200: { description: 'The subject', schema: Subject } },
      errors: [403, 404, 409],
      handle: async (c, { body }, svc) =>
        c.json(await svc.governance.subjects.remove(c.get('principal'), c.req.param('id')!, body.reason)),
    }),
    route({
      method: 'get',
      path: '/gallery/purges',
      access: 'user',
      summary: 'Purges of removed or expired subjects and which edge boxes have applied them',
      query: NoQuery,
      responses: { 200: { description: 'Purges', schema: PurgeStatus.array() } },
      errors: [403],
      handle: async (c, _, svc) => c.json(await svc.governance.subjects.purges(c.get('principal'))),
    }),
    route({
      method: 'get',
      path: '/gallery/subjects/:id/sar',
      can: 'subjectAccess',
      summary:
        'Subject access export: everything held about one subject (audited, naming who ran it). `format=html` ' +
        '(or Accept: text/html) is a readable document with the photos embedded; `json` for machines',
      query: SarQuery,
      responses: {
        200: {
          description: 'The export: JSON, or a self-contained HTML document sent as an attachment',
          raw: ['application/json', 'text/html'],
        },
      },
      errors: NOT_YOURS,
      handle: async (c, { query }, svc) => {
        const p = c.get('principal');
        const g = svc.governance;
        const format = query.format ?? (/\btext\/html\b/.test(c.req.header('accept') ?? '') ? 'html' : 'json');
        const sub = await g.gov.subject(c.req.param('id')!);
        if (!sub || sub.scheme !== p.scheme) throw new HubError('not_found', 'subject not found');
        // Escaped bidi controls: the export is read by people, in viewers that would obey them.
        const photoFile = (s: string, ph: string) => g.subjects.photoPath(s, ph);
        const templates = (id: string) => svc.galleryRepo.count(id);
        const deps = { gov: g.gov, photoFile, evidence: svc.evidenceRepo, repo: svc.repo, audit: svc.audit, templates };
        const by = { ...actorOf(p), name: p.displayName };
        const data = (await subjectAccessExport(deps, sub.id, by, format))!;
        if (format === 'json') return c.body(bidiSafeJson(data), 200, { 'content-type': 'application/json' });
        const day = data.generatedAt.slice(0, 10);
        // A file to save and hand over, never a page of the hub's origin: attachment, and no-store.
        return c.body(renderSubjectAccessHtml(data), 200, {
          'content-type': 'text/html; charset=utf-8',
          'content-disposition': `attachment; filename="subject-access-${sub.id.replace(/[^\w-]/g, '_')}-${day}.html"`,
          'cache-control': 'no-store',
        });
      },
    }),
  ],
};
