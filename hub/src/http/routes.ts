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

type DepsOf<G> = G extends { prepare?: (svc: infer S) => unknown } ? S : never;
type Intersect<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;

/** What the route groups need between them: each declares its own narrow part. */
export type RouteDeps = Intersect<DepsOf<(typeof ROUTE_GROUPS)[number]>>;
