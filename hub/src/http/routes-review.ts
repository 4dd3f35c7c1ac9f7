import { CONTROL_ROOM_ROLES } from '@shopwatch/protocols';
import fs from 'node:fs';
import { Readable } from 'node:stream';
import {
  CaseQuery,
  ReviewCandidate,
  ReviewCase,
  ReviewCaseDetail,
  ReviewDecision,
  ReviewQuery,
} from '@shopwatch/protocols';
import type { CaseService } from '../review/cases';
import type { ReviewService } from '../review/service';
import { type HubRouteGroup, routeOf } from './route-table';

/** What the review queue uses. */
export interface ReviewRouteDeps {
  review: Pick<ReviewService, 'list' | 'open' | 'file' | 'claim' | 'decide' | 'decideCase'>;
  governance: { cases: Pick<CaseService, 'list' | 'open'> };
}

const route = routeOf<ReviewRouteDeps>();
const CONTROL_ROOM = CONTROL_ROOM_ROLES;

/** The review queue for control-room reviewers. */
export const REVIEW_ROUTES: HubRouteGroup<ReviewRouteDeps> = {
  prefix: '/api/review',
  access: CONTROL_ROOM,
  routes: [
    route({
      method: 'get',
      path: '/',
      summary: 'The review queue: every status in one order, by hub arrival (oldest first unless order=newest)',
      query: ReviewQuery,
      responses: { 200: { description: 'Candidates', schema: ReviewCandidate.array() } },
      handle: async (c, { query }, svc) => {
        const status = query.status === 'all' ? null : query.status;
        return c.json(await svc.review.list(c.get('principal'), status, 200, query.order));
      },
    }),
    // Cases before `/:id`, which would otherwise take "cases" for a candidate id.
    route({
      method: 'get',
      path: '/cases',
      summary: 'Review cases (sightings of one subject at one store), oldest first',
      query: CaseQuery,
      responses: { 200: { description: 'Cases', schema: ReviewCase.array() } },
      handle: async (c, { query }, svc) => {
        const status = query.status === 'all' ? null : query.status;
        return c.json(await svc.governance.cases.list(c.get('principal'), status, 200));
      },
    }),
    route({
      method: 'get',
      path: '/cases/:id',
      summary: 'A case with its sightings, newest first (audited)',
      responses: { 200: { description: 'The case', schema: ReviewCaseDetail } },
      errors: { 404: 'Not found, or not visible to you (another scheme)' },
      handle: async (c, _, svc) => c.json(await svc.governance.cases.open(c.get('principal'), c.req.param('id')!)),
    }),
    route({
      method: 'post',
      path: '/cases/:id/decision',
      summary:
        'One decision for an open case: confirm raises ONE gallery-match alert for all its sightings; ' +
        'reject deletes the media of all',
      body: ReviewDecision,
      responses: { 200: { description: 'The decided case', schema: ReviewCaseDetail } },
      errors: { 404: 'Not found, or not visible to you', 409: 'Already decided' },
      handle: async (c, { body }, svc) =>
        c.json(await svc.review.decideCase(c.get('principal'), c.req.param('id')!, body)),
    }),
    route({
      method: 'get',
      path: '/:id',
      summary: 'One candidate (audited)',
      responses: { 200: { description: 'The candidate', schema: ReviewCandidate } },
      errors: [404],
      handle: async (c, _, svc) => c.json(await svc.review.open(c.get('principal'), c.req.param('id')!)),
    }),
    route({
      method: 'get',
      path: '/:id/files/:name',
      summary:
        'An evidence file, re-hashed before sending and audited; served as its checked type with ' +
        'X-Content-Type-Options: nosniff',
      responses: { 200: { description: 'The file', raw: ['image/jpeg', 'video/mp4'] } },
      errors: { 404: 'Not found, deleted, or not visible to you', 409: 'Still being uploaded' },
      handle: async (c, _, svc) => {
        const f = await svc.review.file(c.get('principal'), c.req.param('id')!, c.req.param('name')!);
        const stream = Readable.toWeb(fs.createReadStream(f.path)) as ReadableStream;
        // The type was checked from the bytes on upload; nosniff stops a browser guessing another.
        return c.body(stream, 200, {
          'content-type': f.type,
          'content-length': String(f.bytes),
          'cache-control': 'no-store',
          'x-content-type-options': 'nosniff',
        });
      },
    }),
    route({
      method: 'post',
      path: '/:id/claim',
      summary: 'Claim a candidate for review, so two reviewers do not work on one',
      responses: { 200: { description: 'The candidate', schema: ReviewCandidate } },
      errors: [404, 409],
      handle: async (c, _, svc) => c.json(await svc.review.claim(c.get('principal'), c.req.param('id')!)),
    }),
    route({
      method: 'post',
      path: '/:id/decision',
      summary: 'Confirm (raises a gallery-match alert) or reject (deletes the media) with a reason',
      access: CONTROL_ROOM_ROLES,
      body: ReviewDecision,
      responses: { 200: { description: 'The candidate', schema: ReviewCandidate } },
      errors: [404, 409],
      handle: async (c, { body }, svc) => c.json(await svc.review.decide(c.get('principal'), c.req.param('id')!, body)),
    }),
  ],
};
