import { AppealInput, Exclusion, ExclusionDecision, ExclusionInput, NoQuery } from '@shopwatch/protocols';
import type { ExclusionService } from '../gallery/exclusions';
import { type HubRouteGroup, routeOf } from './route-table';

/** What the exclusion notice routes use. */
export interface ExclusionRouteDeps {
  governance: { exclusions: Pick<ExclusionService, 'issue' | 'list' | 'view' | 'record' | 'decide'> };
}

const route = routeOf<ExclusionRouteDeps>();
const NOT_YOURS = { 404: 'Not found, or of another scheme' };

/** Exclusion notices: issued to a subject for stores or zones, with appeals and decisions. */
export const EXCLUSION_ROUTES: HubRouteGroup<ExclusionRouteDeps> = {
  prefix: '/api',
  routes: [
    route({
      method: 'post',
      path: '/exclusions',
      access: 'user',
      summary: 'Issue an exclusion notice',
      body: ExclusionInput,
      responses: { 201: { description: 'The notice', schema: Exclusion } },
      errors: [403, 404],
      handle: async (c, { body }, svc) => c.json(await svc.governance.exclusions.issue(c.get('principal'), body), 201),
    }),
    route({
      method: 'get',
      path: '/exclusions',
      access: 'user',
      summary: "Your scheme's exclusion notices",
      query: NoQuery,
      responses: { 200: { description: 'Notices', schema: Exclusion.array() } },
      errors: [403],
      handle: async (c, _, svc) => c.json(await svc.governance.exclusions.list(c.get('principal'))),
    }),
    route({
      method: 'get',
      path: '/exclusions/:id',
      access: 'user',
      summary: 'One exclusion notice with its events',
      responses: { 200: { description: 'The notice', schema: Exclusion } },
      errors: { 403: 'Role does not allow this', ...NOT_YOURS },
      handle: async (c, _, svc) => c.json(await svc.governance.exclusions.view(c.get('principal'), c.req.param('id')!)),
    }),
    route({
      method: 'post',
      path: '/exclusions/:id/events',
      access: 'user',
      summary: 'Record an appeal or a review on a notice',
      body: AppealInput,
      responses: { 200: { description: 'The notice', schema: Exclusion } },
      errors: [403, 404, 409],
      handle: async (c, { body }, svc) =>
        c.json(await svc.governance.exclusions.record(c.get('principal'), c.req.param('id')!, body)),
    }),
    route({
      method: 'post',
      path: '/exclusions/:id/decision',
      access: 'user',
      summary: 'Decide a notice under appeal or review: upheld, varied or withdrawn, with reasons',
      body: ExclusionDecision,
      responses: { 200: { description: 'The notice', schema: Exclusion } },
      errors: [403, 404, 409],
      handle: async (c, { body }, svc) =>
        c.json(await svc.governance.exclusions.decide(c.get('principal'), c.req.param('id')!, body)),
    }),
  ],
};
