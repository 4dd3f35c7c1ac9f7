import type { z } from 'zod';
import { AlertMatch } from '../alerts';
import { FieldGallery, SubjectHit } from '../governance';
import { ReviewCase, ReviewCaseDetail, ReviewDecision } from '../review';
import { jsonSchema } from './json-schema';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: unknown) => ({ 'application/json': { schema } });
const ok = (description: string, schema: unknown) => ({ description, content: json(schema) });
const err = (description: string) => ({ description, content: json(ref('ErrorBody')) });
const secured = [{ bearer: [] }];
const idParam = [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }];
const binary = { schema: { type: 'string', format: 'binary' } };
const image = { 'image/jpeg': binary, 'image/png': binary };
const query = { type: 'string', minLength: 1, maxLength: 80 };
const notFound = err('Not found, or not visible to you (another zone or scheme)');

export const FIELD_SCHEMAS: Record<string, z.ZodType> = {
  AlertMatch,
  ReviewCase,
  ReviewCaseDetail,
  SubjectHit,
  FieldGallery,
};

/** Review cases, the pictures behind an alert's match reference, and the field gallery. */
export function fieldPaths() {
  const get = (summary: string, responses: object, extra: object = {}) => ({
    get: { summary, security: secured, ...extra, responses },
  });
  return {
    '/api/review/cases': get(
      'Review cases (sightings of one subject at one store), oldest first; status=open (default), confirmed, ' +
        'rejected, expired or all',
      { 200: ok('Cases', { type: 'array', items: ref('ReviewCase') }), 400: err('Unknown status') },
      { parameters: [{ name: 'status', in: 'query', required: false, schema: { type: 'string' } }] },
    ),
    '/api/review/cases/{id}': get(
      'A case with its sightings, newest first (audited)',
      { 200: ok('The case', ref('ReviewCaseDetail')), 404: notFound },
      { parameters: idParam },
    ),
    '/api/review/cases/{id}/decision': {
      post: {
        summary:
          'One decision for an open case: confirm raises ONE gallery-match alert for all its sightings; ' +
          'reject deletes the media of all',
        security: secured,
        parameters: idParam,
        requestBody: { required: true, content: json(jsonSchema(ReviewDecision, 'input')) },
        responses: {
          200: ok('The decided case', ref('ReviewCaseDetail')),
          400: err('No reason'),
          404: notFound,
          409: err('Already decided'),
        },
      },
    },
    '/api/alerts/{id}/match': get(
      'The match reference of an alert about a gallery subject (audited, no-store)',
      { 200: ok('The reference', ref('AlertMatch')), 404: notFound },
      { parameters: idParam },
    ),
    '/api/alerts/{id}/match/photo': get(
      "The subject's gallery photo, to those who may see the alert (audited, no-store)",
      { 200: { description: 'The photo', content: image }, 404: notFound },
      { parameters: idParam },
    ),
    '/api/alerts/{id}/match/crop': get(
      'The confirmed camera crop, re-hashed on every transfer (audited, custody-logged, no-store)',
      { 200: { description: 'The crop', content: image }, 404: notFound },
      { parameters: idParam },
    ),
    '/api/gallery/search': get(
      'Active subjects of your scheme whose alias contains q (the raise form; audited)',
      { 200: ok('Up to 20 subjects', { type: 'array', items: ref('SubjectHit') }), 400: err('q missing or too long') },
      { parameters: [{ name: 'q', in: 'query', required: true, schema: query }] },
    ),
    '/api/field/gallery': get(
      "Your scheme's active subjects with photo URLs and the notices covering your store (audited, no-store)",
      { 200: ok('The field gallery', ref('FieldGallery')), 401: err('No token') },
    ),
  };
}
