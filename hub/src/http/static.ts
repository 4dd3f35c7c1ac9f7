import fs from 'node:fs';
import path from 'node:path';
import type { Hono } from 'hono';
import type { Env } from './context';

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

/** Serves the built dashboard; unknown non-API paths get index.html so client-side routes work. */
export function serveDashboard(app: Hono<Env>, dir: string) {
  app.get('*', async (c, next) => {
    if (c.req.path.startsWith('/api/')) return next();
    const rel = path.normalize(decodeURIComponent(c.req.path)).replace(/^([/\\])+/, '');
    let file = path.join(dir, rel);
    if (!file.startsWith(dir)) return next();
    if (!fs.existsSync(file) || fs.statSync(file).isDirectory()) file = path.join(dir, 'index.html');
    if (!fs.existsSync(file)) return c.text('The dashboard is not built yet: run `npm run build -w dashboard`.', 503);
    const type = TYPES[path.extname(file)] ?? 'application/octet-stream';
    const cache = file.includes(`${path.sep}assets${path.sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache';
    return c.body(fs.readFileSync(file), 200, { 'content-type': type, 'cache-control': cache });
  });
}
