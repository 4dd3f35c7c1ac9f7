import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConflictError } from '../../src/errors';
import type { AuditEntry, ChainHead, SealedEntry } from '../../src/storage/audit-repository';
import type { ContractContext } from './contract';
import { OTHER_SCHEME, SCHEME } from './contract-fixtures';

const GENESIS = '0'.repeat(64);

/** A seal like the audit log's: the next seq, linked to the head, hashed (any hash will do here). */
const seal =
  (what: Partial<AuditEntry> = {}) =>
  (head: ChainHead | null): SealedEntry => {
    const base = {
      seq: (head?.seq ?? 0) + 1,
      at: new Date().toISOString(),
      scheme: SCHEME,
      actor: { kind: 'user', id: 'op' },
      action: 'view',
      object: { kind: 'subject', id: 'subj-1' },
      subjectId: 'subj-1',
      detail: null,
      prevHash: head?.hash ?? GENESIS,
      ...what,
    };
    const hash = crypto.createHash('sha256').update(JSON.stringify(base)).digest('hex');
    return { entry: { ...base, hash }, mac: `mac-${base.seq}` };
  };

export function auditContract({ s, reopen }: ContractContext) {
  describe('AuditRepository', () => {
    it('links each entry to the head it read, and stores its MAC beside it', async () => {
      const a = s().audit;
      expect(await a.head()).toBeNull();
      expect(await a.signedCount()).toBe(0);
      const first = await a.append(seal({ detail: { q: 'razor' } }));
      expect(first).toMatchObject({ seq: 1, prevHash: GENESIS });
      const second = await a.append(seal());
      expect(second).toMatchObject({ seq: 2, prevHash: first.hash });
      expect(await a.head()).toEqual({ seq: 2, hash: second.hash });
      expect(await a.signedCount()).toBe(2);
      expect(await a.chain(0, 10)).toEqual([
        { ...first, mac: 'mac-1' },
        { ...second, mac: 'mac-2' },
      ]);
    });

    it('serialises concurrent appends into one chain without forks or gaps', async () => {
      const a = s().audit;
      const n = 25;
      await Promise.all(Array.from({ length: n }, (_, i) => a.append(seal({ detail: { i } }))));
      const chain = await a.chain(0, 100);
      expect(chain.map((e) => e.seq)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
      for (const [i, e] of chain.entries()) expect(e.prevHash).toBe(i === 0 ? GENESIS : chain[i - 1]!.hash);
      expect(new Set(chain.map((e) => (e.detail as { i: number }).i)).size).toBe(n);
    });

    it('stores nothing when the seal throws or claims a seq that is taken', async () => {
      const a = s().audit;
      const first = await a.append(seal());
      const failing = () => {
        throw new Error('no key');
      };
      await expect(a.append(failing)).rejects.toThrow('no key');
      const stale = (_: ChainHead | null) => seal()(null); // seq 1 again, as if it had read no head
      await expect(a.append(stale)).rejects.toBeInstanceOf(ConflictError);
      expect(await a.head()).toEqual({ seq: 1, hash: first.hash });
      expect(await a.signedCount()).toBe(1);
    });

    it('lists entries newest first by scheme, subject and object, with a cursor and a limit', async () => {
      const a = s().audit;
      await a.append(seal());
      await a.append(seal({ object: { kind: 'photo', id: 'ph-1' } }));
      await a.append(seal({ scheme: OTHER_SCHEME, subjectId: 'subj-9' }));
      await a.append(seal({ subjectId: 'subj-2', object: { kind: 'subject', id: 'subj-2' } }));
      expect((await a.list({ scheme: SCHEME })).map((e) => e.seq)).toEqual([4, 2, 1]);
      expect((await a.list({ scheme: SCHEME, subjectId: 'subj-1' })).map((e) => e.seq)).toEqual([2, 1]);
      expect((await a.list({ scheme: SCHEME, objectKind: 'photo' })).map((e) => e.seq)).toEqual([2]);
      expect((await a.list({ scheme: SCHEME, objectId: 'subj-2' })).map((e) => e.seq)).toEqual([4]);
      expect((await a.list({ scheme: SCHEME, before: 4, limit: 1 })).map((e) => e.seq)).toEqual([2]);
      expect((await a.list({ scheme: OTHER_SCHEME }))[0]).toMatchObject({ seq: 3, subjectId: 'subj-9' });
    });

    it('pages through the chain in seq order, a gap included as it is', async () => {
      const a = s().audit;
      for (let i = 0; i < 5; i++) await a.append(seal());
      expect((await a.chain(0, 2)).map((e) => e.seq)).toEqual([1, 2]);
      expect((await a.chain(2, 2)).map((e) => e.seq)).toEqual([3, 4]);
      expect((await a.chain(4, 2)).map((e) => e.seq)).toEqual([5]);
      expect(await a.chain(5, 2)).toEqual([]);
    });

    it('keeps the chain across a close and reopen', async () => {
      const last = await s().audit.append(seal());
      const again = await reopen();
      expect(await again.audit.head()).toEqual({ seq: 1, hash: last.hash });
    });
  });
}
