import fs from 'node:fs';
import { Readable } from 'node:stream';
import { Hono } from 'hono';
import { CandidateStatus, ReviewDecision } from '@shopwatch/protocols';
import { HubError } from '../errors';
import type { HubServices } from '../services';
import { type Env, body, requireRole, requireUser } from './context';

const TYPES: Record<string, string> = { crop: 'image/jpeg', frame: 'image/jpeg', clip: 'video/mp4' };

/** The review queue for control-room reviewers. */
export function reviewRoutes(svc: HubServices) {
  const app = new Hono<Env>();
  app.use('*', requireUser(svc), requireRole('admin', 'coordinator', 'operator'));

  app.get('/', async (c) => {
    const s = c.req.query('status');
    const status = s === undefined ? 'pending' : s === 'all' ? null : CandidateStatus.safeParse(s).success ? (s as CandidateStatus) : null;
    if (s !== undefined && s !== 'all' && status === null) throw new HubError('bad_request', 'status must be pending, confirmed, rejected, expired or all');
    return c.json(await svc.review.list(c.get('principal'), status, 200));
  });
  app.get('/:id', async (c) => c.json(await svc.review.open(c.get('principal'), c.req.param('id'))));
  app.get('/:id/files/:name', async (c) => {
    const f = await svc.review.file(c.get('principal'), c.req.param('id'), c.req.param('name'));
    const stream = Readable.toWeb(fs.createReadStream(f.path)) as ReadableStream;
    return c.body(stream, 200, { 'content-type': TYPES[f.kind] ?? 'application/octet-stream', 'content-length': String(f.bytes), 'cache-control': 'no-store' });
  });
  app.post('/:id/claim', async (c) => c.json(await svc.review.claim(c.get('principal'), c.req.param('id'))));
  app.post('/:id/decision', requireRole('operator', 'coordinator', 'admin'), async (c) =>
    c.json(await svc.review.decide(c.get('principal'), c.req.param('id'), await body(c, ReviewDecision))),
  );
  return app;
}
