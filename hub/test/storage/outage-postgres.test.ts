import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logger } from '../../src/log';
import { openStorage } from '../../src/storage/open';
import { type TestPostgres, startPostgres } from '../support/postgres';
import { SCHEME, candidateReport, incidentInput, iso, seedScheme } from './contract-fixtures';

const quiet = logger('test:storage').child({}, { level: 'silent' });

/**
 * The other repositories fail closed as the alert repository does: while PostgreSQL is down a
 * write is refused as `unavailable` (never an engine error, never reported stored), and the same
 * pool stores it once the server is back, without reopening anything.
 */
describe('PostgreSQL storage through a server restart', () => {
  let server: TestPostgres;
  beforeAll(async () => {
    server = await startPostgres();
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
  });

  it('refuses evidence, incident and audit writes while down as unavailable, and takes them after', async () => {
    const s = await openStorage({ dataDir: '', databaseUrl: await server.createDatabase('outage') }, quiet);
    try {
      await seedScheme(s);
      const report = candidateReport('cand-1');
      const candidate = {
        report,
        scheme: SCHEME,
        deviceId: 'edge-boots',
        store: 'boots',
        zone: 'north',
        receivedAt: iso(0),
      };
      const seal = () => ({
        entry: {
          seq: 1,
          at: iso(0),
          scheme: SCHEME,
          actor: { kind: 'user', id: 'op' },
          action: 'view',
          object: { kind: 'candidate', id: 'cand-1' },
          subjectId: null,
          detail: null,
          prevHash: '0'.repeat(64),
          hash: 'f'.repeat(64),
        },
        mac: 'mac-1',
      });
      await server.restart('fast', async () => {
        await expect(s.evidence.addCandidate(candidate)).rejects.toMatchObject({ code: 'unavailable' });
        await expect(
          s.governance.addIncident('inc-1', SCHEME, 'boots', incidentInput(), 'coord', iso(0)),
        ).rejects.toMatchObject({ code: 'unavailable' });
        await expect(s.audit.append(seal)).rejects.toMatchObject({ code: 'unavailable' });
      });
      expect(await s.evidence.getCandidate('cand-1')).toBeNull();
      expect(await s.governance.incident('inc-1')).toBeNull();
      expect(await s.audit.head()).toBeNull();
      // The senders' retries, on the same storage object: stored now.
      expect(await s.evidence.addCandidate(candidate)).toBe(true);
      expect((await s.governance.addIncident('inc-1', SCHEME, 'boots', incidentInput(), 'coord', iso(0))).id).toBe(
        'inc-1',
      );
      expect((await s.audit.append(seal)).seq).toBe(1);
    } finally {
      await s.close();
    }
  });
});
