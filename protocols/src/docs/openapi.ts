import type { z } from 'zod';
import { Ack, AlertWithDeliveries, Close, Alert } from '../alerts';
import { DeviceSummary } from '../devices';
import { ErrorBody } from '../errors';
import { AlertQuery, Health, LoginRequest, LoginResponse, RaiseRequest, SchemeInfo, UserInfo } from '../http';
import { LiveCamera } from '../live';
import { PushKey, PushMessage, PushSubscriptionRequest, PushUnsubscribeRequest } from '../push';
import { jsonSchema } from './json-schema';
import { EVIDENCE_SCHEMAS, evidencePaths } from './openapi-evidence';
import { FIELD_SCHEMAS, fieldPaths } from './openapi-field';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: unknown) => ({ 'application/json': { schema } });
const errors = (...codes: number[]) =>
  Object.fromEntries(codes.map((c) => [String(c), { description: ERROR_TEXT[c], content: json(ref('ErrorBody')) }]));
const ERROR_TEXT: Record<number, string> = {
  400: 'Malformed JSON or invalid fields (issues name each bad field)',
  401: 'No, unknown or expired token',
  403: 'Role or scope does not allow this',
  404: 'Not found, or not visible to you',
  409: 'Conflicts with the current state',
  413: 'Body too large',
  429: 'Too many login attempts (see Retry-After)',
};
const secured = [{ bearer: [] }, { cookie: [] }];
const idParam = [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }];

/** The OpenAPI 3.1 document of the HTTP API, generated from the same zod schemas the hub uses. */
export function openApiDocument() {
  const schemas: Record<string, z.ZodType> = {
    ErrorBody,
    LoginRequest,
    LoginResponse,
    UserInfo,
    RaiseRequest,
    Ack,
    Close,
    Alert,
    AlertWithDeliveries,
    DeviceSummary,
    SchemeInfo,
    Health,
    LiveCamera,
  };
  Object.assign(schemas, EVIDENCE_SCHEMAS, FIELD_SCHEMAS, {
    PushKey,
    PushSubscriptionRequest,
    PushUnsubscribeRequest,
    PushMessage,
  });
  const query = jsonSchema(AlertQuery, 'input') as { properties: Record<string, unknown> };
  return {
    openapi: '3.1.0',
    info: {
      title: 'ShopWatch hub — HTTP API',
      version: '1.0.0',
      description: 'Errors are JSON { code, message }. Generated from protocols/src; do not edit by hand.',
    },
    servers: [{ url: 'http://localhost:8080', description: 'SHOPWATCH_HTTP_PORT' }],
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'Token from POST /api/login (API and CLI clients)' },
        edgeBasic: { type: 'http', scheme: 'basic', description: 'Edge boxes: device id and secret' },
        cookie: {
          type: 'apiKey',
          in: 'cookie',
          name: 'sw_session',
          description:
            'HttpOnly, SameSite=Strict session cookie set by POST /api/login (browsers). ' +
            'Writes must also send X-ShopWatch-CSRF equal to the sw_csrf cookie.',
        },
      },
      schemas: Object.fromEntries(
        Object.entries(schemas).map(([k, s]) => [
          k,
          jsonSchema(
            s,
            [
              'LoginRequest',
              'RaiseRequest',
              'Ack',
              'Close',
              'PushSubscriptionRequest',
              'PushUnsubscribeRequest',
            ].includes(k)
              ? 'input'
              : 'output',
          ),
        ]),
      ),
    },
    paths: {
      '/api/login': {
        post: {
          summary:
            'Log in. Attempts are counted before the password is checked, per (username, address), ' +
            'per username and (higher) per address',
          requestBody: { required: true, content: json(ref('LoginRequest')) },
          responses: {
            200: {
              description:
                'A session token in the body (send it as a Bearer token) and the same session as cookies: ' +
                'sw_session (HttpOnly, SameSite=Strict, Secure over https) and sw_csrf (readable, to echo in ' +
                'X-ShopWatch-CSRF)',
              headers: { 'Set-Cookie': { schema: { type: 'string' } } },
              content: json(ref('LoginResponse')),
            },
            ...errors(400, 401, 429),
            503: {
              description: 'Too many password checks in progress; try again (Retry-After)',
              content: json(ref('ErrorBody')),
            },
          },
        },
      },
      '/api/logout': {
        post: {
          summary: 'End the session: its stored hash is deleted, its browser WebSockets closed, its cookies cleared',
          security: secured,
          responses: {
            200: { description: 'Logged out', headers: { 'Set-Cookie': { schema: { type: 'string' } } } },
            ...errors(401, 403),
          },
        },
      },
      '/api/me': {
        get: {
          summary: 'Who the token belongs to',
          security: secured,
          responses: { 200: { description: 'The user', content: json(ref('UserInfo')) }, ...errors(401) },
        },
      },
      '/api/scheme': {
        get: {
          summary: 'Zones and stores of your scheme',
          security: secured,
          responses: { 200: { description: 'The scheme', content: json(ref('SchemeInfo')) }, ...errors(401) },
        },
      },
      '/api/alerts': {
        get: {
          summary: 'Alerts you may see, newest first, with timelines and deliveries',
          security: secured,
          parameters: Object.entries(query.properties).map(([name, schema]) => ({
            name,
            in: 'query',
            required: false,
            schema,
          })),
          responses: {
            200: {
              description: 'One page of alerts',
              content: json({ type: 'array', items: ref('AlertWithDeliveries') }),
              headers: {
                'X-Next-Cursor': {
                  description: 'Present when more alerts follow: pass it as ?cursor=',
                  schema: { type: 'string' },
                },
              },
            },
            ...errors(400, 401),
          },
        },
        post: {
          summary: 'Raise an alert; a repeated clientRef returns the existing alert with 200',
          security: secured,
          requestBody: { required: true, content: json(ref('RaiseRequest')) },
          responses: {
            201: { description: 'Stored and fanned out', content: json(ref('AlertWithDeliveries')) },
            200: { description: 'Already raised with this clientRef', content: json(ref('AlertWithDeliveries')) },
            ...errors(400, 401, 403, 413),
          },
        },
      },
      '/api/alerts/{id}': {
        get: {
          summary: 'One alert',
          security: secured,
          parameters: idParam,
          responses: {
            200: { description: 'The alert', content: json(ref('AlertWithDeliveries')) },
            ...errors(401, 404),
          },
        },
      },
      '/api/alerts/{id}/ack': {
        post: {
          summary: 'Acknowledge: seen, attending (stops escalation) or unable',
          security: secured,
          parameters: idParam,
          requestBody: { required: true, content: json(ref('Ack')) },
          responses: { 200: { description: 'The alert', content: json(ref('Alert')) }, ...errors(400, 401, 404, 409) },
        },
      },
      '/api/alerts/{id}/close': {
        post: {
          summary: 'Close with an outcome',
          security: secured,
          parameters: idParam,
          requestBody: { required: true, content: json(ref('Close')) },
          responses: {
            200: { description: 'The alert', content: json(ref('Alert')) },
            ...errors(400, 401, 403, 404, 409),
          },
        },
      },
      '/api/devices': {
        get: {
          summary: 'Device board (admin, coordinator, operator)',
          security: secured,
          responses: {
            200: {
              description: 'Devices with presence and cameras',
              content: json({ type: 'array', items: ref('DeviceSummary') }),
            },
            ...errors(401, 403),
          },
        },
      },
      '/api/live/cameras': {
        get: {
          summary:
            "Cameras the user may watch live (operators and admins: the scheme's; members: their store's " +
            'where the scheme allows it)',
          security: secured,
          responses: {
            200: { description: 'Cameras', content: json({ type: 'array', items: ref('LiveCamera') }) },
            ...errors(401),
          },
        },
      },
      '/api/live/thumbnails/{deviceId}/{cameraId}': {
        get: {
          summary:
            "Latest picture of a camera, at most 10 s old (operators and admins; members of the camera's " +
            'store where the scheme allows live view)',
          security: secured,
          parameters: [
            { name: 'deviceId', in: 'path', required: true, schema: { type: 'string' } },
            { name: 'cameraId', in: 'path', required: true, schema: { type: 'string' } },
          ],
          responses: {
            200: { description: 'JPEG', content: { 'image/jpeg': { schema: { type: 'string', format: 'binary' } } } },
            ...errors(401, 403, 404, 503),
          },
        },
      },
      // Web Push (RFC 8030/8291/8292): the decrypted body of every push message is a PushMessage.
      '/api/push/key': {
        get: {
          summary: 'VAPID public key for pushManager.subscribe()',
          security: secured,
          responses: { 200: { description: 'The key', content: json(ref('PushKey')) }, ...errors(401) },
        },
      },
      '/api/push/subscriptions': {
        post: {
          summary:
            "Save this browser's push subscription for the signed-in user (https endpoint; http only on loopback)",
          security: secured,
          requestBody: { required: true, content: json(ref('PushSubscriptionRequest')) },
          responses: { 201: { description: 'Saved' }, ...errors(400, 401, 413) },
        },
        delete: {
          summary: 'Forget one of your push subscriptions (sign-out)',
          security: secured,
          requestBody: { required: true, content: json(ref('PushUnsubscribeRequest')) },
          responses: { 204: { description: 'Removed' }, ...errors(400, 401, 404) },
        },
      },
      '/healthz': {
        get: { summary: 'Liveness', responses: { 200: { description: 'Alive', content: json(ref('Health')) } } },
      },
      '/readyz': {
        get: {
          summary: 'Readiness: storage and broker',
          responses: {
            200: { description: 'Ready', content: json(ref('Health')) },
            503: { description: 'Not ready', content: json(ref('Health')) },
          },
        },
      },
      '/metrics': {
        get: {
          summary: 'Prometheus metrics',
          responses: {
            200: { description: 'Text exposition format', content: { 'text/plain': { schema: { type: 'string' } } } },
          },
        },
      },
      ...evidencePaths(),
      ...fieldPaths(),
    },
  };
}
