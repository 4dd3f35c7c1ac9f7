import { GallerySnapshot, HubTime, UploadResult, UploadState } from '@shopwatch/protocols';
import { HubError } from '../errors';
import type { Uploads } from '../evidence/uploads';
import type { GallerySync } from '../gallery/sync';
import { type HubRouteGroup, routeOf } from './route-table';
import { discardRestOfBody } from './unread-body';

/** What the edge boxes' HTTP API uses (authentication itself is `requireEdge`). */
export interface EdgeRouteDeps {
  gallery: Pick<GallerySync, 'snapshot'>;
  uploads: Pick<Uploads, 'state' | 'append'>;
}

const intHeader = (v: string | undefined, name: string) => {
  if (v === undefined || !/^\d+$/.test(v)) throw new HubError('bad_request', `${name} header must be a whole number`);
  return Number(v);
};

/** What each refusal of an upload means to an edge box; it retries only 429, 503, 507 and 5xx. */
const UPLOAD_ERRORS = {
  400: 'Malformed request, or the bytes do not hash to the declared SHA-256 (upload again)',
  404: 'Not found, or not yours',
  409:
    'Refused for good: not declared, declared with another size or SHA-256; or a wrong Upload-Offset ' +
    '(resume from HEAD)',
  410: 'Gone: the candidate was rejected or expired and its media deleted; never retry',
};

const route = routeOf<EdgeRouteDeps>();

export const EDGE_ROUTES: HubRouteGroup<EdgeRouteDeps> = {
  prefix: '/api/edge',
  access: 'edge',
  routes: [
    route({
      method: 'get',
      path: '/time',
      summary: "The hub's clock, so an edge box can state its clock offset in evidence manifests",
      responses: { 200: { description: 'The time', schema: HubTime } },
      handle: (c) => c.json({ now: new Date().toISOString() }),
    }),
    route({
      method: 'get',
      path: '/gallery',
      summary: "The scheme's active templates (descriptors only, never photos)",
      responses: { 200: { description: 'The snapshot', schema: GallerySnapshot } },
      handle: async (c, _, svc) => c.json(await svc.gallery.snapshot(c.get('device').scheme)),
    }),
    // HEAD (Hono answers it with this GET handler, without the body) tells how much the hub holds.
    route({
      method: 'get',
      path: '/files/:candidateId/:name',
      summary:
        'How much of a declared evidence file the hub holds, in the body and in Upload-Offset, Upload-Length ' +
        'and Upload-Complete; HEAD gives the headers alone',
      responses: {
        200: {
          description: 'Upload state',
          schema: UploadState,
          headers: { 'Upload-Offset': 'bytes held', 'Upload-Length': 'declared size', 'Upload-Complete': 'true|false' },
        },
      },
      errors: UPLOAD_ERRORS,
      handle: async (c, _, svc) => {
        const s = await svc.uploads.state(c.get('device'), c.req.param('candidateId')!, c.req.param('name')!);
        return c.json(s, 200, {
          'Upload-Offset': String(s.offset),
          ...(s.length !== null ? { 'Upload-Length': String(s.length) } : {}),
          'Upload-Complete': String(s.complete),
          'Cache-Control': 'no-store',
        });
      },
    }),
    route({
      method: 'patch',
      path: '/files/:candidateId/:name',
      summary:
        'Append to a DECLARED evidence file (tus subset). Only the names, sizes and SHA-256 of the ' +
        'candidate or clip report are taken; crop and frame must be JPEG, a clip an MP4 with H.264 ' +
        '(ffprobe, 10 s limit), else refused and deleted',
      headers: {
        'Upload-Offset': 'bytes already held (from HEAD)',
        'Upload-Length': 'must equal the declared size',
        'X-Content-Sha256': 'must equal the declared SHA-256',
      },
      body: { raw: ['application/offset+octet-stream'], description: 'The next bytes, streamed to disk' },
      responses: {
        201: { description: 'Complete and verified', schema: UploadResult, headers: { 'Upload-Offset': 'bytes held' } },
        204: { description: 'Appended; more to come', headers: { 'Upload-Offset': 'bytes held' } },
      },
      errors: {
        ...UPLOAD_ERRORS,
        413: 'Larger than the declared size or the limit for its kind',
        415: 'The bytes are not of a type taken here (sniffed, not named)',
        429: 'Rate limited: retry after Retry-After seconds',
        503: 'Busy (e.g. another PATCH of the same file still in progress): retry shortly',
        507: 'The edge box holds its quota of pending evidence; retry once candidates are reviewed',
      },
      handle: async (c, _, svc) => {
        let res: Awaited<ReturnType<EdgeRouteDeps['uploads']['append']>>;
        try {
          res = await svc.uploads.append(
            c.get('device'),
            c.req.param('candidateId')!,
            c.req.param('name')!,
            {
              offset: intHeader(c.req.header('upload-offset'), 'Upload-Offset'),
              length: intHeader(c.req.header('upload-length'), 'Upload-Length'),
              sha256: c.req.header('x-content-sha256') ?? '',
            },
            c.req.raw.body,
          );
        } catch (err) {
          // A refusal is usually sent before the body is read: the device gets the answer, and a
          // body it keeps sending is cut off instead of read to its end.
          discardRestOfBody(c);
          const retry = (err as { retryAfter?: number }).retryAfter;
          if (retry) c.header('retry-after', String(retry));
          throw err;
        }
        const headers = { 'Upload-Offset': String(res.offset) };
        if (!res.complete) return c.body(null, 204, headers);
        const done: UploadResult = {
          candidateId: c.req.param('candidateId')!,
          name: c.req.param('name')!,
          bytes: res.offset,
          sha256: res.sha256!,
          verified: true,
        };
        return c.json(done, 201, headers);
      },
    }),
  ],
};
