import { defineConfig } from 'vite';

// The hub serves dist/ at `/` (hub/src/http/static.ts) and answers unknown paths with
// index.html, so client-side routes such as /console/devices work after a reload.
// In development, `npm run dev -w dashboard` proxies the API and both WebSockets to a hub
// on SHOPWATCH_HUB (default http://127.0.0.1:8080).
const hub = process.env.SHOPWATCH_HUB ?? 'http://127.0.0.1:8080';

export default defineConfig(({ command }) => ({
  root: import.meta.dirname,
  base: '/',
  // Development JSX (with source file paths) only for the dev server: a build started from a
  // test run (NODE_ENV=test) must still be the production bundle.
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact', development: command === 'serve' } },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', sourcemap: true },
  server: {
    proxy: {
      '/api': hub,
      '/ws': { target: hub.replace(/^http/, 'ws'), ws: true },
      '/live': { target: hub.replace(/^http/, 'ws'), ws: true },
    },
  },
}));
