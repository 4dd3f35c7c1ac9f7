import fs from 'node:fs';
import path from 'node:path';
import { type HubRouteGroup, routeOf } from './route-table';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.mp3': 'audio/mpeg',
  '.wav': 'audio/wav',
};

/** Where the built dashboard is. */
export interface DashboardDeps {
  dashboardDir: string;
}

const route = routeOf<DashboardDeps>();

/** Serves the built dashboard; unknown non-API paths get index.html so client-side routes work. */
export const DASHBOARD_ROUTES: HubRouteGroup<DashboardDeps> = {
  prefix: '',
  access: 'public',
  routes: [
    route({
      method: 'get',
      path: '*',
      summary: 'The dashboard: a built file, or index.html for a client-side route (any path outside /api/)',
      responses: {
        200: { description: 'The file', raw: [...new Set(Object.values(TYPES))] },
        503: { description: 'The dashboard is not built', raw: ['text/plain'] },
      },
      errors: { 404: 'A path outside the dashboard folder' },
      handle: async (c, _, { dashboardDir: dir }, next) => {
        const pass = () => next().then(() => undefined);
        if (c.req.path.startsWith('/api/')) return pass();
        const rel = path.normalize(decodeURIComponent(c.req.path)).replace(/^([/\\])+/, '');
        let file = path.join(dir, rel);
        if (!file.startsWith(dir)) return pass();
        if (!fs.existsSync(file) || fs.statSync(file).isDirectory()) file = path.join(dir, 'index.html');
        if (!fs.existsSync(file)) {
          return c.text('The dashboard is not built yet: run `npm run build -w dashboard`.', 503);
        }
        const type = TYPES[path.extname(file)] ?? 'application/octet-stream';
        const cache = file.includes(`${path.sep}assets${path.sep}`)
          ? 'public, max-age=31536000, immutable'
          : 'no-cache';
        return c.body(fs.readFileSync(file), 200, { 'content-type': type, 'cache-control': cache });
      },
    }),
  ],
};
