import type { z } from 'zod';
import { AlertMatch } from '../alerts';
import { FieldGallery, SubjectHit } from '../governance';
import { ReviewCase, ReviewCaseDetail, ReviewDecision } from '../review';
import { jsonSchema } from './json-schema';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: unknown) => ({ 'application/json': { schema } });
const err = (description: string) => ({ description, content: json(ref('ErrorBody')) });
const secured = [{ bearer: [] }];
const idParam = [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }];
const image = { 'image/jpeg': { schema: { type: 'string', format: 'binary' } }, 'image/png': { schema: { type: 'string', format: 'binary' } } };
const notFound = err('Not found, or not visible to you (another zone or scheme)');

export const FIELD_SCHEMAS: Record<string, z.ZodType> = { AlertMatch, ReviewCase, ReviewCaseDetail, SubjectHit, FieldGallery };

/** Review cases, the pictures behind an alert's match reference, and the field gallery. */
export function fieldPaths() {
  return {
    '/api/review/cases': {
      get: {
        summary: 'Review cases (sightings of one subject at one store), oldest first; status=open (default), confirmed, rejected, expired or all',
        security: secured,
        parameters: [{ name: 'status', in: 'query', required: false, schema: { type: 'string' } }],
        responses: { 200: { description: 'Cases', content: json({ type: 'array', items: ref('ReviewCase') }) }, 400: err('Unknown status') },
      },
    },
    '/api/review/cases/{id}': {
      get: { summary: 'A case with its sightings, newest first (audited)', security: secured, parameters: idParam, responses: { 200: { description: 'The case', content: json(ref('ReviewCaseDetail')) }, 404: notFound } },
    },
    '/api/review/cases/{id}/decision': {
      post: {
        summary: 'One decision for an open case: confirm raises ONE gallery-match alert for all its sightings; reject deletes the media of all',
        security: secured, parameters: idParam, requestBody: { required: true, content: json(jsonSchema(ReviewDecision, 'input')) },
        responses: { 200: { description: 'The decided case', content: json(ref('ReviewCaseDetail')) }, 400: err('No reason'), 404: notFound, 409: err('Already decided') },
      },
    },
    '/api/alerts/{id}/match': {
      get: { summary: 'The match reference of an alert about a gallery subject (audited, no-store)', security: secured, parameters: idParam, responses: { 200: { description: 'The reference', content: json(ref('AlertMatch')) }, 404: notFound } },
    },
    '/api/alerts/{id}/match/photo': {
      get: { summary: "The subject's gallery photo, to those who may see the alert (audited, no-store)", security: secured, parameters: idParam, responses: { 200: { description: 'The photo', content: image }, 404: notFound } },
    },
    '/api/alerts/{id}/match/crop': {
      get: { summary: 'The confirmed camera crop, re-hashed on every transfer (audited, custody-logged, no-store)', security: secured, parameters: idParam, responses: { 200: { description: 'The crop', content: image }, 404: notFound } },
    },
    '/api/gallery/search': {
      get: {
        summary: 'Active subjects of your scheme whose alias contains q (the raise form; audited)', security: secured,
        parameters: [{ name: 'q', in: 'query', required: true, schema: { type: 'string', minLength: 1, maxLength: 80 } }],
        responses: { 200: { description: 'Up to 20 subjects', content: json({ type: 'array', items: ref('SubjectHit') }) }, 400: err('q missing or too long') },
      },
    },
    '/api/field/gallery': {
      get: { summary: "Your scheme's active subjects with photo URLs and the exclusion notices covering your store (audited, no-store)", security: secured, responses: { 200: { description: 'The field gallery', content: json(ref('FieldGallery')) }, 401: err('No token') } },
    },
  };
}
