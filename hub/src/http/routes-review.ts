import fs from 'node:fs';
import { Readable } from 'node:stream';
import { Hono } from 'hono';
import { CandidateStatus, CaseStatus, ReviewDecision, ReviewOrder } from '@shopwatch/protocols';
import { HubError } from '../errors';
import type { HubServices } from '../services';
import { type Env, body, requireRole, requireUser } from './context';

/** The review queue for control-room reviewers. */
export function reviewRoutes(svc: HubServices) {
  const app = new Hono<Env>();
  app.use('*', requireUser(svc), requireRole('admin', 'coordinator', 'operator'));

  app.get('/', async (c) => {
    const s = c.req.query('status');
    const status =
      s === undefined
        ? 'pending'
        : s === 'all'
          ? null
          : CandidateStatus.safeParse(s).success
            ? (s as CandidateStatus)
            : null;
    if (s !== undefined && s !== 'all' && status === null)
      throw new HubError('bad_request', 'status must be pending, confirmed, rejected, expired or all');
    const o = ReviewOrder.safeParse(c.req.query('order') ?? 'oldest');
    if (!o.success) throw new HubError('bad_request', 'order must be newest or oldest');
    return c.json(await svc.review.list(c.get('principal'), status, 200, o.data));
  });
  // Cases before `/:id`, which would otherwise take "cases" for a candidate id.
  app.get('/cases', async (c) => {
    const s = c.req.query('status') ?? 'open';
    const status = s === 'all' ? null : CaseStatus.safeParse(s);
    const why = 'status must be open, confirmed, rejected, expired or all';
    if (status && !status.success) throw new HubError('bad_request', why);
    return c.json(await svc.governance.cases.list(c.get('principal'), status ? status.data : null, 200));
  });
  app.get('/cases/:id', async (c) => c.json(await svc.governance.cases.open(c.get('principal'), c.req.param('id'))));
  app.post('/cases/:id/decision', async (c) =>
    c.json(await svc.review.decideCase(c.get('principal'), c.req.param('id'), await body(c, ReviewDecision))),
  );
  app.get('/:id', async (c) => c.json(await svc.review.open(c.get('principal'), c.req.param('id'))));
  app.get('/:id/files/:name', async (c) => {
    const f = await svc.review.file(c.get('principal'), c.req.param('id'), c.req.param('name'));
    const stream = Readable.toWeb(fs.createReadStream(f.path)) as ReadableStream;
    // The type was checked from the bytes on upload; nosniff stops a browser guessing another.
    return c.body(stream, 200, {
      'content-type': f.type,
      'content-length': String(f.bytes),
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    });
  });
  app.post('/:id/claim', async (c) => c.json(await svc.review.claim(c.get('principal'), c.req.param('id'))));
  app.post('/:id/decision', requireRole('operator', 'coordinator', 'admin'), async (c) =>
    c.json(await svc.review.decide(c.get('principal'), c.req.param('id'), await body(c, ReviewDecision))),
  );
  return app;
}
