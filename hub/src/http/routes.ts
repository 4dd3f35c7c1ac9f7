import { LIVE_PATHS, type WebSocketSpec } from '@shopwatch/protocols';
import { LIVE_ROUTES } from '../live/routes-live';
import { PUSH_ROUTES } from '../push/routes-push';
import { ALERT_ROUTES } from './routes-alerts';
import { AUDIT_ROUTES } from './routes-audit';
import { AUTH_ROUTES } from './routes-auth';
import { EDGE_ROUTES } from './routes-edge';
import { EXCLUSION_ROUTES } from './routes-exclusions';
import { EXPORT_ROUTES } from './routes-export';
import { FIELD_ROUTES } from './routes-field';
import { GALLERY_ROUTES } from './routes-gallery';
import { OPS_ROUTES } from './routes-ops';
import { REVIEW_ROUTES } from './routes-review';
import { SCHEME_ROUTES } from './routes-scheme';
import { DASHBOARD_ROUTES } from './static';

/**
 * Every route the HTTP API serves, in the order they are matched; `createApp` mounts them and
 * `npm run docs` writes protocols/openapi.json from them. To add a route, add an entry to a
 * group (or a group here); the app, the document and the route test all follow.
 */
export const API_ROUTES = [
  OPS_ROUTES,
  AUTH_ROUTES,
  ALERT_ROUTES,
  SCHEME_ROUTES,
  EDGE_ROUTES,
  REVIEW_ROUTES,
  GALLERY_ROUTES,
  EXCLUSION_ROUTES,
  AUDIT_ROUTES,
  FIELD_ROUTES,
  EXPORT_ROUTES,
  LIVE_ROUTES,
  PUSH_ROUTES,
] as const;

/** The dashboard's files, served for every GET no API route took. */
export const FALLBACK_ROUTES = [DASHBOARD_ROUTES] as const;

/** All of them, for the OpenAPI document. */
export const ROUTE_GROUPS = [...API_ROUTES, ...FALLBACK_ROUTES];

/**
 * The WebSockets on the HTTP port. The server's upgrade handler (server.ts) dispatches them; they
 * are listed here so the document names them too, and the route test opens each one.
 */
export const WEBSOCKETS: readonly WebSocketSpec[] = [
  {
    path: '/mqtt',
    summary: 'MQTT over WebSocket, for devices that cannot open the MQTT port',
    who: 'devices; the MQTT CONNECT carries the device id and secret',
    subprotocol: 'mqtt',
    messages: 'asyncapi.json',
  },
  {
    path: '/ws',
    summary: 'Alert events and acknowledgements for the dashboard (WsClientMessage, WsServerMessage)',
    who: 'signed-in users: the session cookie (same origin) or a first hello message with the token',
    messages: 'protocols/README.md#browser-websocket',
  },
  {
    path: LIVE_PATHS.edge,
    summary: 'An edge box sends a camera as fragmented MP4 (or one JPEG), for a stream the hub asked for',
    who: 'edge boxes: Basic auth with the device id and secret in the upgrade',
    refusals: { 400: 'No stream id the hub sent', 401: 'No or bad credentials', 403: 'Not an edge box' },
    messages: 'protocols/README.md#live-view-websockets',
  },
  {
    path: LIVE_PATHS.view,
    summary: 'A browser watches a camera live (LiveViewClientMessage, LiveViewServerMessage; fMP4 for MSE)',
    who: 'signed-in users who may watch that camera: a first hello message with the token',
    messages: 'protocols/README.md#live-view-websockets',
  },
];

type DepsOf<G> = G extends { prepare?: (svc: infer S) => unknown } ? S : never;
type Intersect<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;

/** What the route groups need between them: each declares its own narrow part. */
export type RouteDeps = Intersect<DepsOf<(typeof ROUTE_GROUPS)[number]>>;
