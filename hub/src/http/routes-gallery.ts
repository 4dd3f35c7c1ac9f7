import fs from 'node:fs';
import { Hono } from 'hono';
import { z } from 'zod';
import {
  AppealInput,
  AuditCsvQuery,
  AuditQuery,
  DisclosureInput,
  ExclusionDecision,
  ExclusionInput,
  IncidentInput,
  NoQuery,
  RemoveSubject,
  ReviewStatsQuery,
  SarQuery,
  SubjectInput,
  SubjectListQuery,
} from '@shopwatch/protocols';
import { auditCsv } from '../audit/csv';
import { HubError } from '../errors';
import { actorOf, must } from '../gallery/access';
import { MAX_PHOTO_BYTES, readLimited } from '../gallery/photo-intake';
import { sniff } from '../evidence/sniff';
import { subjectAccessExport } from '../gallery/sar';
import { renderSubjectAccessHtml } from '../gallery/sar-html';
import { verdictStats } from '../gallery/stats';
import type { HubServices } from '../services';
import { bidiSafeJson } from './bidi-json';
import { type Env, body, query, requireUser } from './context';
import { discardRestOfBody } from './unread-body';

/** Incidents, the gallery, exclusion notices and the audit log. */
export function governanceRoutes(svc: HubServices) {
  const app = new Hono<Env>();
  const g = svc.governance;
  const user = requireUser(svc);

  app.post('/incidents', user, async (c) =>
    c.json(await g.incidents.record(c.get('principal'), await body(c, IncidentInput)), 201),
  );
  app.get('/incidents', user, (c) => (query(c, NoQuery), c.json(g.incidents.list(c.get('principal')))));
  app.get('/incidents/:id', user, (c) => c.json(g.incidents.view(c.get('principal'), c.req.param('id'))));

  app.get('/gallery/subjects', user, (c) => {
    const { state } = query(c, SubjectListQuery);
    return c.json(g.subjects.list(c.get('principal'), state === 'all' ? null : state));
  });
  app.post('/gallery/subjects', user, async (c) =>
    c.json(await g.subjects.enrol(c.get('principal'), await body(c, SubjectInput)), 201),
  );
  app.get('/gallery/subjects/:id', user, (c) => c.json(g.subjects.view(c.get('principal'), c.req.param('id'))));
  app.post('/gallery/subjects/:id/photos', user, async (c) => {
    const source = c.req.query('source') ?? '';
    let image: Buffer;
    try {
      // Role, subject and source first, then the size: the body is read only for a real upload.
      g.subjects.checkPhotoUpload(c.get('principal'), c.req.param('id'), source);
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
    return c.json(await g.subjects.addPhoto(c.get('principal'), c.req.param('id'), image, source), 201);
  });
  app.get('/gallery/subjects/:id/photos/:photoId', user, (c) => {
    const f = g.subjects.photo(c.get('principal'), c.req.param('id'), c.req.param('photoId'));
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
  });
  app.post('/gallery/subjects/:id/incidents', user, async (c) => {
    const { incidentId } = await body(c, z.strictObject({ incidentId: z.string().min(1) }));
    return c.json(await g.subjects.linkIncident(c.get('principal'), c.req.param('id'), incidentId));
  });
  app.post('/gallery/subjects/:id/remove', user, async (c) =>
    c.json(await g.subjects.remove(c.get('principal'), c.req.param('id'), (await body(c, RemoveSubject)).reason)),
  );
  app.get('/gallery/purges', user, async (c) => {
    query(c, NoQuery);
    return c.json(await g.subjects.purges(c.get('principal')));
  });
  app.get('/gallery/subjects/:id/sar', user, async (c) => {
    const p = c.get('principal');
    must(p, 'subjectAccess');
    const { format: asked } = query(c, SarQuery);
    const format = asked ?? (/\btext\/html\b/.test(c.req.header('accept') ?? '') ? 'html' : 'json');
    const sub = g.gov.subject(c.req.param('id'), () => 0);
    if (!sub || sub.scheme !== p.scheme) throw new HubError('not_found', 'subject not found');
    // Escaped bidi controls: the export is read by people, in viewers that would obey them.
    const photoFile = (s: string, ph: string) => g.subjects.photoPath(s, ph);
    const templates = (id: string) => svc.galleryRepo.count(id);
    const deps = { gov: g.gov, photoFile, evidence: svc.evidenceRepo, repo: svc.repo, audit: svc.audit, templates };
    const data = (await subjectAccessExport(deps, sub.id, { ...actorOf(p), name: p.displayName }, format))!;
    if (format === 'json') return c.body(bidiSafeJson(data), 200, { 'content-type': 'application/json' });
    const day = data.generatedAt.slice(0, 10);
    // A file to save and hand over, never a page of the hub's origin: attachment, and no-store.
    return c.body(renderSubjectAccessHtml(data), 200, {
      'content-type': 'text/html; charset=utf-8',
      'content-disposition': `attachment; filename="subject-access-${sub.id.replace(/[^\w-]/g, '_')}-${day}.html"`,
      'cache-control': 'no-store',
    });
  });

  app.post('/exclusions', user, async (c) =>
    c.json(await g.exclusions.issue(c.get('principal'), await body(c, ExclusionInput)), 201),
  );
  app.get('/exclusions', user, (c) => (query(c, NoQuery), c.json(g.exclusions.list(c.get('principal')))));
  app.get('/exclusions/:id', user, (c) => c.json(g.exclusions.view(c.get('principal'), c.req.param('id'))));
  app.post('/exclusions/:id/events', user, async (c) =>
    c.json(g.exclusions.record(c.get('principal'), c.req.param('id'), await body(c, AppealInput))),
  );
  app.post('/exclusions/:id/decision', user, async (c) =>
    c.json(await g.exclusions.decide(c.get('principal'), c.req.param('id'), await body(c, ExclusionDecision))),
  );

  app.get('/audit', user, (c) => {
    const p = c.get('principal');
    must(p, 'readAudit');
    const q = query(c, AuditQuery);
    return c.json(svc.audit.list({ ...q, scheme: p.scheme }));
  });
  app.get('/audit.csv', user, (c) => {
    const p = c.get('principal');
    must(p, 'readAudit');
    const q = query(c, AuditCsvQuery);
    const entries = svc.audit.list({ ...q, scheme: p.scheme });
    const aliases = new Map<string, string | null>();
    const alias = (id: string) => {
      if (!aliases.has(id)) aliases.set(id, g.gov.subject(id, () => 0)?.alias ?? null);
      return aliases.get(id)!;
    };
    const csv = auditCsv(entries, alias);
    // The export is itself audited: who ran it (name and username) and exactly which view they took.
    const filter = Object.fromEntries(Object.entries(q).filter(([k, v]) => v !== undefined && k !== 'limit'));
    svc.audit.append({
      scheme: p.scheme,
      actor: actorOf(p),
      action: 'export',
      object: { kind: 'audit', id: 'audit.csv' },
      detail: { what: 'export audit csv', by: `${p.displayName ?? p.id} (${p.id})`, filter, rows: entries.length },
    });
    const day = new Date().toISOString().slice(0, 10);
    return c.body(csv, 200, {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="audit-${p.scheme}-${day}.csv"`,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    });
  });
  app.get('/audit/verify', user, (c) => {
    const p = c.get('principal');
    must(p, 'subjectAccess');
    // The chain is checked whole (a gap anywhere matters), but the counts are the caller's scheme only.
    return c.json(svc.audit.verify({ scheme: p.scheme }));
  });
  app.post('/audit/disclosures', user, async (c) => {
    const p = c.get('principal');
    must(p, 'manageGallery');
    const d = await body(c, DisclosureInput);
    const sub = g.gov.subject(d.subjectId, () => 0);
    if (!sub || sub.scheme !== p.scheme) throw new HubError('bad_request', `unknown subject "${d.subjectId}"`);
    return c.json(
      svc.audit.append({
        scheme: p.scheme,
        actor: actorOf(p),
        action: 'disclose',
        object: { kind: 'subject', id: d.subjectId },
        subjectId: d.subjectId,
        detail: { to: d.to, organisation: d.organisation, why: d.why },
      }),
      201,
    );
  });

  app.get('/review-stats', user, (c) => {
    const p = c.get('principal');
    must(p, 'review');
    const { days } = query(c, ReviewStatsQuery);
    const object = { kind: 'candidate', id: 'review-stats' } as const;
    svc.audit.append({ scheme: p.scheme, actor: actorOf(p), action: 'view', object, detail: { days } });
    return c.json(verdictStats(g.gov, p.scheme, days));
  });
  return app;
}
