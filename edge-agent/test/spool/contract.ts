import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { sha256 } from '../../src/evidence/hash';
import type { Spool, SpoolStatus } from '../../src/spool/types';

export interface SpoolBuildOptions {
  quotaBytes: number;
  warnRatio?: number;
  onStatus?: (s: SpoolStatus) => void;
}

/**
 * The behaviour every {@link Spool} implementation owes its users, run against each of them
 * (like MQTT.js's abstract_store): order, once-only delivery, idempotency, files, quota policy.
 */
export function spoolContract<S extends Spool>(
  name: string,
  build: (opts: SpoolBuildOptions) => S,
  /** the stored bytes of a kept file */
  read: (spool: S, id: string, file: string) => Buffer,
) {
  describe(`${name} (spool contract)`, () => {
    const open: S[] = [];
    const make = (opts: Partial<SpoolBuildOptions> = {}) => {
      const s = build({ quotaBytes: 100_000_000, ...opts });
      open.push(s);
      return s;
    };
    afterEach(() => {
      for (const s of open.splice(0)) s.close();
    });

    it('stores an item with its files and hands it back with their hashes', async () => {
      const spool = make();
      const crop = randomBytes(5000);
      const item = await spool.enqueue({ id: 'c1', kind: 'candidate', payload: { score: 0.41 } }, [
        { name: 'crop.jpg', data: crop },
      ]);
      expect(item).toMatchObject({ id: 'c1', kind: 'candidate', payload: { score: 0.41 }, deliveredAt: null });
      expect(item.files).toEqual([
        expect.objectContaining({
          name: 'crop.jpg',
          bytes: 5000,
          sha256: sha256(crop),
          uploadedAt: null,
          evictedAt: null,
        }),
      ]);
      expect(read(spool, 'c1', 'crop.jpg')).toEqual(crop);
      expect(spool.peek()?.id).toBe('c1');
    });

    it('delivers in enqueue order, the head until it is acknowledged, each item once', async () => {
      const spool = make();
      for (const id of ['a', 'b', 'c']) await spool.enqueue({ id, kind: 'candidate', payload: { id } });
      const seen: string[] = [];
      for (;;) {
        const head = spool.peek();
        if (!head) break;
        expect((await spool.next()).id).toBe(head.id); // same head until acknowledged
        seen.push(head.id);
        expect(spool.markDelivered(head.id)).toBe(true);
        expect(spool.markDelivered(head.id)).toBe(false);
      }
      expect(seen).toEqual(['a', 'b', 'c']);
      expect(spool.usage().undelivered).toBe(0);
    });

    it('treats the id as an idempotency key', async () => {
      const spool = make();
      const first = await spool.enqueue({ id: 'same', kind: 'candidate', payload: { n: 1 } });
      const again = await spool.enqueue({ id: 'same', kind: 'candidate', payload: { n: 2 } });
      expect(again.seq).toBe(first.seq);
      expect(again.payload).toEqual({ n: 1 });
      spool.markDelivered('same');
      await spool.enqueue({ id: 'same', kind: 'candidate', payload: { n: 3 } });
      expect(spool.peek()).toBeUndefined(); // not delivered twice
      expect(spool.usage().items).toBe(1);
    });

    it('makes next() wait for an item, and lets it be aborted', async () => {
      const spool = make();
      const waiting = spool.next();
      setTimeout(() => void spool.enqueue({ id: 'late', kind: 'candidate', payload: {} }), 20);
      expect((await waiting).id).toBe('late');
      spool.markDelivered('late');
      const ac = new AbortController();
      const aborted = spool.next(ac.signal);
      ac.abort();
      await expect(aborted).rejects.toThrow(/aborted/);
    });

    it('records uploaded files', async () => {
      const spool = make();
      await spool.enqueue({ id: 'u', kind: 'candidate', payload: {} }, [
        { name: 'clip.mp4', data: Buffer.from('x') },
        { name: 'crop.jpg', data: Buffer.from('y') },
      ]);
      expect(spool.markFileUploaded('u', 'clip.mp4')).toBe(true);
      expect(spool.markFileUploaded('u', 'clip.mp4')).toBe(false);
      expect(spool.markFileUploaded('u', 'nope.jpg')).toBe(false);
      expect(spool.get('u')!.files.map((f) => [f.name, f.uploadedAt !== null])).toEqual([
        ['clip.mp4', true],
        ['crop.jpg', false],
      ]);
    });

    it('refuses bad file names and a file that does not match its stated hash, storing nothing', async () => {
      const spool = make();
      await expect(
        spool.enqueue({ id: 'x', kind: 'candidate', payload: {} }, [{ name: '../evil', data: Buffer.from('x') }]),
      ).rejects.toThrow(/file name/);
      await expect(
        spool.enqueue({ id: 'y', kind: 'candidate', payload: {} }, [
          { name: 'a.jpg', data: Buffer.from('x'), sha256: sha256('z') },
        ]),
      ).rejects.toThrow(/SHA-256/);
      expect(spool.usage().items).toBe(0);
      expect(spool.peek()).toBeUndefined();
    });

    it('evicts delivered media first, then undelivered media, keeping candidate records', async () => {
      const statuses: SpoolStatus[] = [];
      const spool = make({ quotaBytes: 100_000, onStatus: (s) => statuses.push(s) });
      const media = (n: number) => [{ name: 'clip.mp4', data: randomBytes(n) }];
      await spool.enqueue({ id: 'old-delivered', kind: 'candidate', payload: {} }, media(30_000));
      spool.markDelivered('old-delivered');
      await spool.enqueue({ id: 'u1', kind: 'candidate', payload: {} }, media(30_000));
      await spool.enqueue({ id: 'u2', kind: 'candidate', payload: {} }, media(25_000));
      expect(statuses.at(-1)?.level).toBe('warning'); // 85 % of quota
      await spool.enqueue({ id: 'u3', kind: 'candidate', payload: {} }, media(30_000)); // 115 % → evict
      const evicted = (id: string) => spool.get(id)!.files[0].evictedAt !== null;
      expect([evicted('old-delivered'), evicted('u1'), evicted('u2'), evicted('u3')]).toEqual([
        true,
        false,
        false,
        false,
      ]);
      // delivered media gone → oldest undelivered media
      await spool.enqueue({ id: 'u4', kind: 'candidate', payload: {} }, media(30_000));
      expect([evicted('u1'), evicted('u2'), evicted('u3'), evicted('u4')]).toEqual([true, false, false, false]);
      // the candidate record of u1 stays, deliverable, its file marked evicted
      const head = spool.peek()!;
      expect(head.id).toBe('u1');
      expect(head.files[0]).toMatchObject({ path: null, evictedAt: expect.any(Number) });
      const usage = spool.usage();
      expect(usage.bytes).toBeLessThanOrEqual(100_000);
      expect(usage).toMatchObject({ undelivered: 4, evictedFiles: 2, evictedItems: 0 });
    });

    it('evicts undelivered candidate records only after all media, oldest first', async () => {
      const spool = make({ quotaBytes: 2_000 });
      const big = { note: 'x'.repeat(600) };
      await spool.enqueue({ id: 'r1', kind: 'candidate', payload: big }, [
        { name: 'crop.jpg', data: randomBytes(500) },
      ]);
      await spool.enqueue({ id: 'r2', kind: 'candidate', payload: big });
      // 1.8 kB of records + 0.5 kB media: media goes
      await spool.enqueue({ id: 'r3', kind: 'candidate', payload: big });
      expect(spool.get('r1')!.files[0].evictedAt).not.toBeNull();
      expect(spool.usage().evictedItems).toBe(0);
      await spool.enqueue({ id: 'r4', kind: 'candidate', payload: big }); // only records left: the oldest goes
      expect(spool.get('r1')).toBeUndefined();
      expect(spool.peek()!.id).toBe('r2');
      expect(spool.usage()).toMatchObject({ items: 3, evictedItems: 1 });
    });

    it('keeps a file the hub refused, with the reason, and never evicts it as safe on the hub', async () => {
      const spool = make({ quotaBytes: 100_000 });
      const clip = randomBytes(30_000);
      await spool.enqueue({ id: 'c/clip', kind: 'clip', payload: {} }, [{ name: 'clip.mp4', data: clip }]);
      expect(spool.markFileRefused('c/clip', 'clip.mp4', '409: conflict: not declared')).toBe(true);
      spool.markDelivered('c/clip'); // the hub answered: the queue moves on
      await spool.enqueue({ id: 'ok', kind: 'clip', payload: {} }, [{ name: 'clip.mp4', data: randomBytes(30_000) }]);
      spool.markFileUploaded('ok', 'clip.mp4');
      spool.markDelivered('ok');
      // over quota now:
      await spool.enqueue({ id: 'new', kind: 'clip', payload: {} }, [{ name: 'clip.mp4', data: randomBytes(45_000) }]);
      // The verified copy went first; the refused one (on no hub) is still here, with its reason.
      expect(spool.get('ok')!.files[0].evictedAt).not.toBeNull();
      const refused = spool.get('c/clip')!.files[0];
      expect(refused).toMatchObject({
        refusedReason: '409: conflict: not declared',
        refusedAt: expect.any(Number),
        evictedAt: null,
        uploadedAt: null,
      });
      expect(read(spool, 'c/clip', 'clip.mp4')).toEqual(clip);
      expect(spool.refused()).toEqual([expect.objectContaining({ itemId: 'c/clip', name: 'clip.mp4', purged: false })]);
      expect(spool.usage().refusedFiles).toBe(1);
    });

    it('purges the media of an item when the hub says it must go, keeping the record', async () => {
      const spool = make();
      const files = [
        { name: 'crop.jpg', data: randomBytes(100) },
        { name: 'frame.jpg', data: randomBytes(100) },
      ];
      await spool.enqueue({ id: 'r', kind: 'candidate', payload: { candidateId: 'r' } }, files);
      expect(spool.markFileRefused('r', 'frame.jpg', '410: gone: candidate is rejected', { purge: true })).toBe(true);
      const item = spool.get('r')!;
      expect(item.files.map((f) => [f.name, f.path, f.purgedAt !== null])).toEqual([
        ['crop.jpg', null, true],
        ['frame.jpg', null, true],
      ]);
      expect(spool.refused()[0]).toMatchObject({ name: 'frame.jpg', purged: true });
      expect(spool.usage().bytes).toBeLessThan(200);
    });
  });
}
