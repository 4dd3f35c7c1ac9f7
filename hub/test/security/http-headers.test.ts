import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorBody } from '@shopwatch/protocols';
import { loadConfig } from '../../src/config';
import { type RunningHub, startHub } from '../../src/hub';
import { login, tempDir, testScheme, writeSeed } from '../support/hub';

/**
 * Security headers on every response, checked route by route: API successes and errors, the
 * dashboard page, its static files and the single-page fallback, and a refused bad path.
 * (The dashboard itself is checked to run under this CSP by the browser tests.)
 */
describe('security headers on every HTTP response', () => {
  let hub: RunningHub;
  let base: string;
  let token: string;
  beforeAll(async () => {
    const dir = tempDir();
    const dash = path.join(dir, 'dashboard');
    fs.mkdirSync(path.join(dash, 'assets'), { recursive: true });
    const page = '<!doctype html><script type="module" src="/assets/app.js"></script>';
    fs.writeFileSync(path.join(dash, 'index.html'), page);
    fs.writeFileSync(path.join(dash, 'assets', 'app.js'), 'document.body.textContent = "hi";');
    const seed = writeSeed(dir, testScheme());
    const dataDir = path.join(dir, 'data');
    const overrides = { httpPort: 0, mqttPort: 0, host: '127.0.0.1', dataDir, seed, logLevel: 'error' } as const;
    hub = await startHub(loadConfig({}, { ...overrides, dashboardDir: dash }));
    base = `http://127.0.0.1:${hub.httpPort}`;
    token = await login(base, 'operator', 'operator-password');
  });
  afterAll(async () => hub?.stop());

  const JSON_POST: RequestInit = { method: 'POST', body: '{', headers: { 'content-type': 'application/json' } };
  const ROUTES: [string, string, RequestInit?, number?][] = [
    ['health', '/healthz', undefined, 200],
    ['metrics', '/metrics', undefined, 200],
    ['API success', '/api/alerts', { headers: {} }, 200],
    ['API 401', '/api/alerts', undefined, 401],
    ['API 404', '/api/nothing-here', undefined, 404],
    ['API 400 (bad query)', '/api/alerts?limit=abc', { headers: {} }, 400],
    ['login 400 (malformed JSON)', '/api/login', JSON_POST, 400],
    ['dashboard page', '/', undefined, 200],
    ['client-side route (index.html fallback)', '/console/alerts', undefined, 200],
    ['static script', '/assets/app.js', undefined, 200],
    ['bad percent-encoding', '/%', undefined, 400],
    ['bad percent-encoding under /api', '/api/alerts/%E0%A4%A', { headers: {} }, 400],
  ];

  for (const [what, route, init, status] of ROUTES) {
    it(`${what}: ${route}`, async () => {
      const headers: Record<string, string> = { ...(init?.headers as Record<string, string> | undefined) };
      if (init?.headers && !('content-type' in headers)) headers.authorization = `Bearer ${token}`;
      const res = await fetch(`${base}${route}`, { ...init, headers });
      if (status) expect(res.status).toBe(status);
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      if (res.status >= 400 && res.headers.get('content-type')?.includes('json')) ErrorBody.parse(await res.json());
    });
  }
});
