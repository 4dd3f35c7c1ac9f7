import fs from 'node:fs';
import path from 'node:path';

export const DASHBOARD_DIR = path.resolve(import.meta.dirname, '../..');
export const DIST_DIR = path.join(DASHBOARD_DIR, 'dist');

function newest(p: string): number {
  const st = fs.statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(st.mtimeMs, ...fs.readdirSync(p).map((f) => newest(path.join(p, f))));
}

/** True when dist/ is missing or older than any source the build reads. */
export function distIsStale(): boolean {
  const index = path.join(DIST_DIR, 'index.html');
  if (!fs.existsSync(index)) return true;
  const sources = ['src', 'public', 'index.html', 'vite.config.ts', 'package.json', '../protocols/src'].map((p) =>
    path.join(DASHBOARD_DIR, p),
  );
  return Math.max(...sources.filter((p) => fs.existsSync(p)).map(newest)) > fs.statSync(index).mtimeMs;
}

/**
 * Builds the dashboard with Vite when dist/ is missing or stale, so `npm test` works on a fresh
 * clone. It builds into a private directory and swaps it in, so a hub serving dist/ (or another
 * test file building at the same time) never sees a half-written tree.
 */
export async function ensureDashboardBuilt(): Promise<void> {
  if (!distIsStale()) return;
  const { build } = await import('vite');
  const out = path.join(DASHBOARD_DIR, `.dist-${process.pid}-${Date.now()}`);
  // Vitest sets NODE_ENV=test, and Vite only makes a production build when NODE_ENV is unset or
  // "production": without this the hub would serve a development bundle.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({
      configFile: path.join(DASHBOARD_DIR, 'vite.config.ts'),
      mode: 'production',
      logLevel: 'warn',
      build: { outDir: out, emptyOutDir: true },
    });
    fs.rmSync(DIST_DIR, { recursive: true, force: true });
    fs.renameSync(out, DIST_DIR);
  } finally {
    if (nodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = nodeEnv;
    fs.rmSync(out, { recursive: true, force: true });
  }
}
