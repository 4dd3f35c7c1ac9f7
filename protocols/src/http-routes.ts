import type { z } from 'zod';
import type { Permission } from './permissions';
import type { Role } from './provisioning';

/**
 * One HTTP route as the hub declares it: the data both the Hono app and the OpenAPI document are
 * built from (the hub adds the handler). Paths use Hono's syntax (`/api/alerts/:id`); the
 * document turns `:id` into `{id}`.
 */
export type HttpMethod = 'get' | 'post' | 'patch' | 'put' | 'delete';

/**
 * Who may call a route: anyone, an edge box (Basic auth with its device id and secret), any
 * signed-in user, or users with one of the listed roles.
 */
export type Access = 'public' | 'edge' | 'user' | readonly Role[];

/** A body or download that is not JSON: named by its content types, never buffered as JSON. */
export interface RawContent {
  raw: readonly string[];
  description?: string;
}

export interface ResponseSpec {
  description: string;
  /** A JSON body of this shape; omitted for an empty body. */
  schema?: z.ZodType;
  /** A non-JSON body: its content types (the bytes are described by `description`). */
  raw?: readonly string[];
  /** Response headers a client reads, with what they mean. */
  headers?: Readonly<Record<string, string>>;
}

export interface RouteSpec {
  method: HttpMethod;
  path: string;
  summary: string;
  /** Defaults to the access of the route's group. */
  access?: Access;
  /** A gallery/governance permission (protocols' `CAN` table) checked before the request is read. */
  can?: Permission;
  /** Query parameters, validated before the handler runs; a failure is a 400 naming each field. */
  query?: z.ZodType;
  /**
   * Query parameters the handler checks itself (after access checks that must come first).
   * Documented only; each value is a string.
   */
  queryDoc?: Readonly<Record<string, { required?: boolean; description: string }>>;
  /** A JSON body (validated like `query`) or a raw body streamed to the handler. */
  body?: z.ZodType | RawContent;
  /** Request headers the handler reads, with what they mean (all required). */
  headers?: Readonly<Record<string, string>>;
  /** Success responses by status. */
  responses: Readonly<Record<number, ResponseSpec>>;
  /**
   * Error statuses besides those implied by the declaration (401 for any access but public, 403
   * for roles or a permission, 400 for a query or JSON body), with a route-specific meaning where
   * the default text is not enough.
   */
  errors?: readonly number[] | Readonly<Record<number, string>>;
}

/** Routes mounted under one prefix; the group's access is checked for every path below it. */
export interface RouteGroupSpec {
  prefix: string;
  /** Checked for every request under the prefix, even one for a path no route serves. */
  access?: Access;
  routes: readonly RouteSpec[];
}

export const isRawContent = (b: RouteSpec['body']): b is RawContent => !!b && 'raw' in b;

/**
 * A WebSocket the hub accepts on its HTTP port (`GET` with `Upgrade: websocket`). Its messages
 * are described where `messages` points; the OpenAPI document lists the endpoint and who may open it.
 */
export interface WebSocketSpec {
  path: string;
  summary: string;
  /** Who may open it and how they prove it (in the upgrade, or in the first messages). */
  who: string;
  /** HTTP statuses an upgrade may be refused with before it switches protocols. */
  refusals?: Readonly<Record<number, string>>;
  /** The subprotocol a client asks for, if any (`mqtt`). */
  subprotocol?: string;
  /** Where the messages are described. */
  messages: string;
}
