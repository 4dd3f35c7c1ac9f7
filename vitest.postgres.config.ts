import { defineConfig } from 'vitest/config';
import base from './vitest.config.ts';

/**
 * `npm run test:postgres`: hub tests that start whole hubs, run again with the store of record
 * in PostgreSQL (SHOPWATCH_DATABASE_URL) instead of SQLite. The global setup starts one server
 * for the run; each hub gets a database of its own. Files that read the SQLite file directly
 * or spawn hub processes of their own are not in the list (see hub/src/storage/README.md).
 */
export default defineConfig({
  test: {
    ...base.test,
    include: [
      'hub/test/alerts.test.ts',
      'hub/test/ack-eta.test.ts',
      'hub/test/catch-up-sessions.test.ts',
      'hub/test/http.test.ts',
      'hub/test/fleet-paging.test.ts',
      'hub/test/acl.test.ts',
      'hub/test/push.test.ts',
      'hub/test/incident-store.test.ts',
      'hub/test/gallery-photos.test.ts',
      'hub/test/openapi-routes.test.ts',
      'hub/test/security/http-login.test.ts',
      'hub/test/security/http-queries.test.ts',
      'hub/test/security/http-export.test.ts',
      'hub/test/security/mqtt-raise-rate.test.ts',
      'hub/test/security/mqtt-client-ids.test.ts',
      'hub/test/cluster-redis.test.ts',
    ],
    globalSetup: ['hub/test/support/postgres-global-setup.ts'],
  },
});
