import { z } from 'zod';
import * as shapes from '../index';
import { CAN } from '../permissions';
import { jsonSchema } from './json-schema';
import { type Access, type RouteGroupSpec, type RouteSpec, type WebSocketSpec, isRawContent } from '../http-routes';

/** What each refusal means, unless a route says more precisely. */
const ERROR_TEXT: Record<number, string> = {
  400: 'Malformed JSON or invalid fields (issues name each bad field)',
  401: 'No, unknown or expired credentials',
  403: 'Role or scope does not allow this',
  404: 'Not found, or not visible to you',
  409: 'Conflicts with the current state',
  410: 'Gone: removed for good; never retry',
  413: 'Body too large',
  415: 'The bytes are not of a type taken here (sniffed, not named)',
  429: 'Rate limited: retry after Retry-After seconds',
  503: 'Busy or not ready: retry shortly (see Retry-After)',
  507: 'Quota exceeded: retry once some is released',
};
const binary = { type: 'string', format: 'binary' };
/** A body the table does not describe field by field: a document, text, or bytes. */
const rawSchema = (type: string) =>
  type === 'application/json' ? { type: 'object' } : type.startsWith('text/') ? { type: 'string' } : binary;

/**
 * Every zod schema protocols/ exports, by its export name: a route schema that is one of them is
 * a `$ref` to a component of that name, anything else is written inline. Of two names for one
 * schema (`RaiseRequest = AlertRaise`) the later in the alphabet, the HTTP name, wins.
 */
function exportedNames(): Map<z.ZodType, string> {
  const names = new Map<z.ZodType, string>();
  for (const [name, value] of Object.entries(shapes)) if (value instanceof z.ZodType) names.set(value, name);
  return names;
}

/** Collects the components a document refers to, input and output shapes apart. */
class Components {
  readonly schemas: Record<string, unknown> = {
    ErrorBody: jsonSchema(shapes.ErrorBody),
    // Web Push (RFC 8030/8291/8292): the decrypted body of every push message.
    PushMessage: jsonSchema(shapes.PushMessage),
  };
  private readonly names = exportedNames();
  private readonly used = new Map<string, 'input' | 'output'>([['ErrorBody', 'output']]);

  /** The JSON Schema of `schema` as a request (`input`: defaults optional) or a response reads it. */
  schema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
    if (schema instanceof z.ZodArray) return { type: 'array', items: this.schema(schema.element as z.ZodType, io) };
    const name = this.names.get(schema);
    if (!name) return jsonSchema(schema, io);
    // A shape both sent and received is documented twice when its input form differs.
    const key = this.used.get(name) && this.used.get(name) !== io && io === 'input' ? `${name}Input` : name;
    if (!this.schemas[key]) {
      this.schemas[key] = jsonSchema(schema, io);
      this.used.set(key, io);
    }
    return { $ref: `#/components/schemas/${key}` };
  }
}

const USER_SECURITY = [{ bearer: [] }, { cookie: [] }];

function accessText(access: Access, route: RouteSpec): string {
  if (route.can) return `roles: ${CAN[route.can].join(', ')} (permission ${route.can})`;
  if (access === 'public') return 'public';
  if (access === 'edge') return 'edge boxes (Basic auth: device id and secret)';
  if (access === 'user') return 'any signed-in user';
  return `roles: ${access.join(', ')}`;
}

function errorStatuses(access: Access, route: RouteSpec): Record<number, string> {
  const out: Record<number, string> = {};
  const add = (code: number, text?: string) => {
    out[code] = text ?? out[code] ?? ERROR_TEXT[code] ?? 'Refused';
  };
  if (route.query || (route.body && !isRawContent(route.body))) add(400);
  if (access !== 'public') add(401);
  if (route.can || Array.isArray(access) || access === 'edge') add(403);
  if (route.body && !isRawContent(route.body)) add(413);
  const extra = route.errors ?? [];
  if (Array.isArray(extra)) for (const code of extra) add(code);
  else for (const [code, text] of Object.entries(extra)) add(Number(code), text);
  return out;
}

function operation(route: RouteSpec, access: Access, parts: Components) {
  const parameters: unknown[] = [];
  for (const [, name] of route.path.matchAll(/:(\w+)/g)) {
    parameters.push({ name, in: 'path', required: true, schema: { type: 'string' } });
  }
  if (route.path.endsWith('*')) {
    parameters.push({ name: 'path', in: 'path', required: true, description: 'any path', schema: { type: 'string' } });
  }
  if (route.query) {
    const q = jsonSchema(route.query, 'input');
    const props = (q.properties ?? {}) as Record<string, unknown>;
    const required = new Set((q.required ?? []) as string[]);
    for (const [name, schema] of Object.entries(props)) {
      parameters.push({ name, in: 'query', required: required.has(name), schema });
    }
  }
  for (const [name, q] of Object.entries(route.queryDoc ?? {})) {
    parameters.push({
      name,
      in: 'query',
      required: !!q.required,
      description: q.description,
      schema: { type: 'string' },
    });
  }
  for (const [name, description] of Object.entries(route.headers ?? {})) {
    parameters.push({ name, in: 'header', required: true, description, schema: { type: 'string' } });
  }
  const body = route.body;
  const requestBody = !body
    ? undefined
    : isRawContent(body)
      ? {
          required: true,
          ...(body.description ? { description: body.description } : {}),
          content: Object.fromEntries(body.raw.map((t) => [t, { schema: binary }])),
        }
      : { required: true, content: { 'application/json': { schema: parts.schema(body, 'input') } } };
  const responses: Record<string, unknown> = {};
  for (const [status, r] of Object.entries(route.responses)) {
    const content = r.schema
      ? { 'application/json': { schema: parts.schema(r.schema, 'output') } }
      : r.raw
        ? Object.fromEntries(r.raw.map((t) => [t, { schema: rawSchema(t) }]))
        : undefined;
    const headers = r.headers
      ? Object.fromEntries(
          Object.entries(r.headers).map(([h, d]) => [h, { description: d, schema: { type: 'string' } }]),
        )
      : undefined;
    responses[status] = {
      description: r.description,
      ...(headers ? { headers } : {}),
      ...(content ? { content } : {}),
    };
  }
  for (const [status, description] of Object.entries(errorStatuses(access, route))) {
    responses[status] = {
      description,
      content: { 'application/json': { schema: parts.schema(shapes.ErrorBody, 'output') } },
    };
  }
  return {
    summary: route.summary,
    description: `Access: ${accessText(access, route)}.`,
    'x-access': route.can ? [...CAN[route.can]] : access,
    ...(access === 'public' ? {} : { security: access === 'edge' ? [{ edgeBasic: [] }] : USER_SECURITY }),
    ...(parameters.length ? { parameters } : {}),
    ...(requestBody ? { requestBody } : {}),
    responses,
  };
}

/** `/api/alerts/:id` as OpenAPI writes it; Hono's catch-all `*` is one `{path}` parameter. */
export const openApiPath = (honoPath: string) =>
  honoPath
    .replace(/:(\w+)/g, '{$1}')
    .replace(/\/\*$/, '/{path}')
    .replace(/^\*$/, '/{path}');

/** A WebSocket endpoint as a `GET` that switches protocols (`x-websocket` says which). */
function upgradeOperation(ws: WebSocketSpec) {
  const refusals = Object.fromEntries(
    Object.entries(ws.refusals ?? {}).map(([status, description]) => [status, { description }]),
  );
  return {
    summary: ws.summary,
    description: `WebSocket (Upgrade: websocket). Access: ${ws.who}.`,
    'x-websocket': { ...(ws.subprotocol ? { subprotocol: ws.subprotocol } : {}), messages: ws.messages },
    parameters: [{ name: 'Upgrade', in: 'header', required: true, schema: { const: 'websocket' } }],
    responses: { 101: { description: 'Switching Protocols' }, ...refusals },
  };
}

/**
 * The OpenAPI 3.1 document of the HTTP API, built from the hub's route table and the same zod
 * schemas the hub validates with.
 */
export function openApiDocument(groups: readonly RouteGroupSpec[], websockets: readonly WebSocketSpec[] = []) {
  const parts = new Components();
  const paths: Record<string, Record<string, unknown>> = {};
  for (const group of groups) {
    for (const route of group.routes) {
      const full = openApiPath(group.prefix + (route.path === '/' && group.prefix ? '' : route.path));
      // As the hub mounts it: a permission implies a signed-in user.
      const access = route.access ?? group.access ?? (route.can ? 'user' : 'public');
      paths[full] ??= {};
      paths[full][route.method] = operation(route, access, parts);
    }
  }
  for (const ws of websockets) paths[ws.path] = { get: upgradeOperation(ws) };
  return {
    openapi: '3.1.0',
    info: {
      title: 'ShopWatch hub — HTTP API',
      version: '1.0.0',
      description:
        'Every route the hub serves. Errors are JSON { code, message }. Generated from the hub route table ' +
        'and protocols/src (npm run docs); do not edit by hand. WebSocket endpoints are the GET operations ' +
        'marked x-websocket; their messages are described where x-websocket.messages points.',
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
      schemas: parts.schemas,
    },
    paths,
  };
}
