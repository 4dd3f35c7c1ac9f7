import { defineConfig } from 'vitest/config';

// Tests start real processes (broker, hub, ffmpeg, Chromium), so they get generous
// time-outs and run files in parallel only as far as the two cores allow.
export default defineConfig({
  test: {
    include: ['**/test/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'data/**'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
  },
});
