import fs from 'node:fs';
import { Readable } from 'node:stream';
import { Hono } from 'hono';
import type { Alert } from '@shopwatch/protocols';
import type { Principal } from '../auth/principal';
import { notFound } from '../errors';
import { sniff } from '../evidence/sniff';
import { actorOf, must } from '../gallery/access';
import type { HubServices } from '../services';
import { type Env, requireUser } from './context';

// Pictures of people: never kept by a browser or a proxy, never guessed as another type.
const PRIVATE = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' } as const;

/**
 * What store staff and wardens see of the gallery: the pictures behind a match alert's
 * reference, the alias search of the raise form, and the field gallery. Each alert route first
 * loads the alert as the reader may see it (another zone's or scheme's alert is a 404).
 */
export function fieldRoutes(svc: HubServices) {
  const app = new Hono<Env>();
  const user = requireUser(svc);
  const g = svc.governance;

  type Match = NonNullable<Alert['match']>;
  const matchOf = async (p: Principal, alertId: string): Promise<{ alert: Alert; match: Match }> => {
    const alert = await svc.alerts.visible(p, alertId);
    if (!alert.match) throw notFound(`match reference of alert "${alertId}"`);
    return { alert, match: alert.match };
  };

  app.get('/alerts/:id/match', user, async (c) => {
    const p = c.get('principal');
    must(p, 'viewGallery');
    const { alert, match } = await matchOf(p, c.req.param('id'));
    const object = { kind: 'alert' as const, id: `${alert.id}/match` };
    await svc.audit.append({ scheme: p.scheme, actor: actorOf(p), action: 'view', object, subjectId: match.subjectId });
    return c.json(match, 200, PRIVATE);
  });

  app.get('/alerts/:id/match/photo', user, async (c) => {
    const p = c.get('principal');
    must(p, 'viewGallery');
    const { alert, match } = await matchOf(p, c.req.param('id'));
    // The current photo: a purged subject's photo is gone, whatever the alert once said.
    const ph = match.photoUrl ? await g.fieldGallery.photoOf(p.scheme, match.subjectId) : null;
    if (!ph) throw notFound('photo');
    const f = await g.subjects.photo(p, ph.subjectId, ph.photoId); // audited there, as every photo view
    const object = { kind: 'alert' as const, id: `${alert.id}/match/photo` };
    await svc.audit.append({ scheme: p.scheme, actor: actorOf(p), action: 'view', object, subjectId: match.subjectId });
    const data = fs.readFileSync(f.file);
    const type = sniff(data.subarray(0, 16)) === 'image/png' ? 'image/png' : 'image/jpeg';
    return c.body(data, 200, { ...PRIVATE, 'content-type': type });
  });

  app.get('/alerts/:id/match/crop', user, async (c) => {
    const p = c.get('principal');
    must(p, 'viewGallery');
    const { match } = await matchOf(p, c.req.param('id'));
    const cand = match.cropUrl && match.candidateId ? await svc.evidence.view(match.candidateId) : null;
    const crop = cand?.files.find((x) => x.kind === 'crop' && !x.deleted);
    if (!cand || !crop) throw notFound('crop');
    // Re-hashed, audited and entered in the custody log like every evidence transfer.
    const f = await svc.review.file(p, cand.id, crop.name);
    const stream = Readable.toWeb(fs.createReadStream(f.path)) as ReadableStream;
    return c.body(stream, 200, { ...PRIVATE, 'content-type': f.type, 'content-length': String(f.bytes) });
  });

  app.get('/gallery/search', user, async (c) =>
    c.json(await g.fieldGallery.search(c.get('principal'), c.req.query('q') ?? '')),
  );
  app.get('/field/gallery', user, async (c) => c.json(await g.fieldGallery.list(c.get('principal')), 200, PRIVATE));
  return app;
}
