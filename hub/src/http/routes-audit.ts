import {
  AuditCsvQuery,
  AuditEntry,
  AuditQuery,
  AuditVerifyResult,
  DisclosureInput,
  ReviewStatsQuery,
  VerdictStats,
} from '@shopwatch/protocols';
import { auditCsv } from '../audit/csv';
import type { AuditLog } from '../audit/log';
import { HubError } from '../errors';
import { actorOf } from '../gallery/access';
import { verdictStats } from '../gallery/stats';
import type { GovernanceRepository } from '../storage/governance-repository';
import { type HubRouteGroup, routeOf } from './route-table';

/** What the audit log routes and the review statistics use. */
export interface AuditRouteDeps {
  audit: Pick<AuditLog, 'list' | 'verify' | 'append'>;
  governance: { gov: GovernanceRepository };
}

const route = routeOf<AuditRouteDeps>();

/** The audit log of gallery data (read, verified, disclosures added) and the reviewers' statistics. */
export const AUDIT_ROUTES: HubRouteGroup<AuditRouteDeps> = {
  prefix: '/api',
  routes: [
    route({
      method: 'get',
      path: '/audit',
      can: 'readAudit',
      summary: "Your scheme's audit entries, newest first; `before` a seq to page back",
      query: AuditQuery,
      responses: { 200: { description: 'Entries', schema: AuditEntry.array() } },
      handle: async (c, { query }, svc) => {
        const p = c.get('principal');
        return c.json(await svc.audit.list({ ...query, scheme: p.scheme }));
      },
    }),
    route({
      method: 'get',
      path: '/audit.csv',
      can: 'readAudit',
      summary:
        'The filtered audit view as CSV (RFC 4180; cells starting = + - @ get a leading apostrophe), oldest ' +
        'first; the export is itself audited',
      query: AuditCsvQuery,
      responses: { 200: { description: 'The CSV file', raw: ['text/csv'] } },
      handle: async (c, { query: q }, svc) => {
        const p = c.get('principal');
        const entries = await svc.audit.list({ ...q, scheme: p.scheme });
        // Aliases looked up once per subject, before the (synchronous) CSV writer runs.
        const aliases = new Map<string, string | null>();
        for (const id of new Set(entries.map((e) => e.subjectId).filter((id): id is string => !!id))) {
          aliases.set(id, (await svc.governance.gov.subject(id))?.alias ?? null);
        }
        const csv = auditCsv(entries, (id) => aliases.get(id) ?? null);
        // The export is itself audited: who ran it (name and username) and exactly which view they took.
        const filter = Object.fromEntries(Object.entries(q).filter(([k, v]) => v !== undefined && k !== 'limit'));
        await svc.audit.append({
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
      },
    }),
    route({
      method: 'get',
      path: '/audit/verify',
      can: 'subjectAccess',
      summary: 'Check the whole hash chain, its MACs and its anchor; the counts are of your scheme',
      responses: { 200: { description: 'The result', schema: AuditVerifyResult } },
      handle: async (c, _, svc) => {
        const p = c.get('principal');
        // The chain is checked whole (a gap anywhere matters), but the counts are the caller's scheme only.
        return c.json(await svc.audit.verify({ scheme: p.scheme }));
      },
    }),
    route({
      method: 'post',
      path: '/audit/disclosures',
      can: 'manageGallery',
      summary: 'Record a disclosure of gallery data to someone outside the scheme',
      body: DisclosureInput,
      responses: { 201: { description: 'The audit entry', schema: AuditEntry } },
      handle: async (c, { body: d }, svc) => {
        const p = c.get('principal');
        const sub = await svc.governance.gov.subject(d.subjectId);
        if (!sub || sub.scheme !== p.scheme) throw new HubError('bad_request', `unknown subject "${d.subjectId}"`);
        return c.json(
          await svc.audit.append({
            scheme: p.scheme,
            actor: actorOf(p),
            action: 'disclose',
            object: { kind: 'subject', id: d.subjectId },
            subjectId: d.subjectId,
            detail: { to: d.to, organisation: d.organisation, why: d.why },
          }),
          201,
        );
      },
    }),
    route({
      method: 'get',
      path: '/review-stats',
      can: 'review',
      summary: "Reviewers' verdicts over the last `days` days (audited)",
      query: ReviewStatsQuery,
      responses: { 200: { description: 'The statistics', schema: VerdictStats } },
      handle: async (c, { query }, svc) => {
        const p = c.get('principal');
        const { days } = query;
        const object = { kind: 'candidate', id: 'review-stats' } as const;
        await svc.audit.append({ scheme: p.scheme, actor: actorOf(p), action: 'view', object, detail: { days } });
        return c.json(await verdictStats(svc.governance.gov, p.scheme, days));
      },
    }),
  ],
};
