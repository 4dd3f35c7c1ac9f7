import { UploadResult } from '../evidence';
import { ReviewCandidate, ReviewDecision } from '../review';
import { jsonSchema } from './json-schema';

const json = (schema: unknown) => ({ 'application/json': { schema } });
const binary = { schema: { type: 'string', format: 'binary' } };
/** What each refusal means to the caller; an edge box retries only 429, 503, 507 and 5xx. */
const ERRORS: Record<number, string> = {
  400: 'Malformed request, or the bytes do not hash to the declared SHA-256 (upload again)',
  401: 'No or bad credentials',
  403: 'Role or scope does not allow this',
  404: 'Not found, or not yours',
  409:
    'Refused for good: not declared, declared with another size or SHA-256; or a wrong Upload-Offset ' +
    '(resume from HEAD)',
  410: 'Gone: the candidate was rejected or expired and its media deleted; never retry',
  413: 'Too large (bytes, or pixels for a photo)',
  415: 'The bytes are not of a type taken here (sniffed, not named)',
  429: 'Rate limited: retry after Retry-After seconds',
  503: 'Busy (e.g. another PATCH of the same file still in progress): retry shortly',
  507: 'quota_exceeded: the edge box holds its quota of pending evidence; retry once candidates are reviewed',
};
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const errors = (...codes: number[]) =>
  Object.fromEntries(codes.map((c) => [String(c), { description: ERRORS[c], content: json(ref('ErrorBody')) }]));

/** Output schemas these routes share, added to the document's components. */
export const EVIDENCE_SCHEMAS = { ReviewCandidate, UploadResult };
const basic = [{ edgeBasic: [] }];
const secured = [{ bearer: [] }];
const inPath = (name: string) => ({ name, in: 'path', required: true, schema: { type: 'string' } });
const header = (name: string, description: string) => ({
  name,
  in: 'header',
  required: true,
  description,
  schema: { type: 'string' },
});
const reply = (description: string, schema?: unknown) =>
  schema ? { description, content: json(schema) } : { description };

/** Evidence uploads, the review queue and gallery photos; merged into the OpenAPI document. */
export function evidencePaths() {
  const file = [inPath('candidateId'), inPath('name')];
  return {
    '/api/edge/files/{candidateId}/{name}': {
      head: {
        summary: 'How much of a declared evidence file the hub holds (Upload-Offset, Upload-Length, Upload-Complete)',
        security: basic,
        parameters: file,
        responses: { 200: reply('Upload state in the headers'), ...errors(401, 404, 409, 410) },
      },
      patch: {
        summary:
          'Append to a DECLARED evidence file (tus subset). Only the names, sizes and SHA-256 of the ' +
          'candidate or clip report are taken; crop and frame must be JPEG, a clip an MP4 with H.264 ' +
          '(ffprobe, 10 s limit), else refused and deleted',
        security: basic,
        parameters: [
          ...file,
          header('Upload-Offset', 'bytes already held (from HEAD)'),
          header('Upload-Length', 'must equal the declared size'),
          header('X-Content-Sha256', 'must equal the declared SHA-256'),
        ],
        requestBody: { required: true, content: { 'application/offset+octet-stream': binary } },
        responses: {
          201: reply('Complete and verified', ref('UploadResult')),
          204: reply('Appended; more to come'),
          ...errors(400, 401, 404, 409, 410, 413, 415, 429, 503, 507),
        },
      },
    },
    '/api/review': {
      get: {
        summary: 'The review queue: every status in one order, by hub arrival (oldest first unless order=newest)',
        security: secured,
        parameters: [
          {
            name: 'status',
            in: 'query',
            required: false,
            schema: { enum: ['pending', 'confirmed', 'rejected', 'expired', 'all'], default: 'pending' },
          },
          { name: 'order', in: 'query', required: false, schema: { enum: ['oldest', 'newest'], default: 'oldest' } },
        ],
        responses: {
          200: reply('Candidates', { type: 'array', items: ref('ReviewCandidate') }),
          ...errors(400, 401, 403),
        },
      },
    },
    '/api/review/{id}/decision': {
      post: {
        summary: 'Confirm (raises a gallery-match alert) or reject (deletes the media) with a reason',
        security: secured,
        parameters: [inPath('id')],
        requestBody: { required: true, content: json(jsonSchema(ReviewDecision, 'input')) },
        responses: { 200: reply('The candidate', ref('ReviewCandidate')), ...errors(400, 401, 403, 404, 409) },
      },
    },
    '/api/review/{id}/files/{name}': {
      get: {
        summary:
          'An evidence file, re-hashed before sending and audited; served as its checked type with ' +
          'X-Content-Type-Options: nosniff',
        security: secured,
        parameters: [inPath('id'), inPath('name')],
        responses: {
          200: { description: 'The file', content: { 'image/jpeg': binary, 'video/mp4': binary } },
          ...errors(401, 403, 404, 409),
        },
      },
    },
    '/api/gallery/subjects/{id}/photos': {
      post: {
        summary:
          'Add an enrolment photo (coordinator, admin): JPEG or PNG by its bytes, at most 10 MB and ' +
          '4096 × 4096 pixels, one usable face; re-encoded without metadata. Role and subject are checked ' +
          'before the body is read. A refusal for its faces carries `faces` (boxes and the size they refer to)',
        security: secured,
        parameters: [inPath('id'), { name: 'source', in: 'query', required: true, schema: { type: 'string' } }],
        requestBody: { required: true, content: { 'image/jpeg': binary, 'image/png': binary } },
        responses: { 201: reply('The subject with the new photo'), ...errors(400, 401, 403, 404, 409, 413, 415, 503) },
      },
    },
  };
}
