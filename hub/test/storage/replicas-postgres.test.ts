import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logger } from '../../src/log';
import type { ChainHead, SealedEntry } from '../../src/storage/audit-repository';
import { type Storage, openStorage } from '../../src/storage/open';
import { type TestPostgres, startPostgres } from '../support/postgres';
import { SCHEME, seedScheme } from './contract-fixtures';

const quiet = logger('test:storage').child({}, { level: 'error' });
const GENESIS = '0'.repeat(64);

/** A seal like the audit log's: the next seq, linked to the head it was given. */
const seal =
  (replica: number, i: number) =>
  (head: ChainHead | null): SealedEntry => {
    const base = {
      seq: (head?.seq ?? 0) + 1,
      at: new Date().toISOString(),
      scheme: SCHEME,
      actor: { kind: 'user', id: `op-${replica}` },
      action: 'view',
      object: { kind: 'subject', id: 'subj-1' },
      subjectId: 'subj-1',
      detail: { replica, i },
      prevHash: head?.hash ?? GENESIS,
    };
    const hash = crypto.createHash('sha256').update(JSON.stringify(base)).digest('hex');
    return { entry: { ...base, hash }, mac: `mac-${base.seq}` };
  };

/**
 * Three hub replicas on one PostgreSQL database, each with its own connection pool (as three
 * processes would have): what one repository call guarantees must hold across all of them.
 */
describe('PostgreSQL storage shared by three replicas', () => {
  let server: TestPostgres;
  let replicas: Storage[] = [];
  let n = 0;
  beforeAll(async () => {
    server = await startPostgres();
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
  });
  const open = async () => {
    const url = await server.createDatabase(`replicas_${++n}`);
    replicas = await Promise.all([1, 2, 3].map(() => openStorage({ dataDir: '', databaseUrl: url }, quiet)));
    await seedScheme(replicas[0]!);
  };
  const close = async () => {
    for (const r of replicas) await r.close();
    replicas = [];
  };

  it('keeps one audit chain, without forks or gaps, when every replica appends at once', async () => {
    await open();
    try {
      const per = 15;
      await Promise.all(replicas.flatMap((r, k) => Array.from({ length: per }, (_, i) => r.audit.append(seal(k, i)))));
      const chain = await replicas[1]!.audit.chain(0, 1000);
      expect(chain.map((e) => e.seq)).toEqual(Array.from({ length: 3 * per }, (_, i) => i + 1));
      for (const [i, e] of chain.entries()) expect(e.prevHash).toBe(i === 0 ? GENESIS : chain[i - 1]!.hash);
      expect(chain.every((e) => e.mac === `mac-${e.seq}`)).toBe(true);
    } finally {
      await close();
    }
  });

  it('hands out distinct gallery versions when replicas change one scheme at once', async () => {
    await open();
    try {
      const d = new Float32Array(128).fill(0.5);
      const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
      const versions = await Promise.all(
        replicas.flatMap((r, k) =>
          Array.from({ length: 5 }, (_, i) =>
            r.gallery.addTemplates(SCHEME, [
              { id: `t-${k}-${i}`, scheme: SCHEME, subjectId: 's', photoId: null, descriptor: d, expiresAt },
            ]),
          ),
        ),
      );
      expect([...versions].sort((a, b) => a - b)).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
      expect(await replicas[2]!.gallery.version(SCHEME)).toBe(15);
      // Each template carries the version that was bumped with it.
      const t = await replicas[0]!.gallery.activeTemplates(SCHEME, new Date().toISOString());
      expect(new Set(t.map((x) => x.version)).size).toBe(15);
    } finally {
      await close();
    }
  });

  it('keeps at most ten push subscriptions per person when replicas save at once', async () => {
    await open();
    try {
      const keys = { p256dh: 'p'.repeat(87), auth: 'a'.repeat(22) };
      await Promise.all(
        Array.from({ length: 24 }, (_, i) =>
          replicas[i % 3]!.push.save('warden', { endpoint: `https://push.example/${i}`, keys }),
        ),
      );
      expect((await replicas[1]!.push.forUser('warden')).length).toBe(10);
    } finally {
      await close();
    }
  });
});
