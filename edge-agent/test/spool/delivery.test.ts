import { describe, expect, it } from 'vitest';
import { startDelivery } from '../../src/spool/delivery';
import { MemorySpool } from '../../src/spool/memory-spool';
import type { SpoolItem } from '../../src/spool/types';

describe('delivery loop', () => {
  it('sends items in order, retries a failed head with the same id, never skips it', async () => {
    const spool = new MemorySpool({ quotaBytes: 1e6 });
    const attempts: string[] = [];
    let hubUp = false;
    const loop = startDelivery({
      spool,
      backoffInitialMs: 20,
      backoffMaxMs: 50,
      deliver: async (item: SpoolItem) => {
        attempts.push(item.id);
        if (!hubUp) throw new Error('hub unreachable');
      },
    });
    for (const id of ['a', 'b', 'c']) await spool.enqueue({ id, kind: 'candidate', payload: {} });
    await new Promise((r) => setTimeout(r, 200));
    expect(new Set(attempts)).toEqual(new Set(['a'])); // only the head, retried
    hubUp = true;
    await new Promise((r) => setTimeout(r, 200));
    await spool.enqueue({ id: 'd', kind: 'candidate', payload: {} });
    await new Promise((r) => setTimeout(r, 50));
    await loop.stop();
    expect(attempts.filter((id) => id !== 'a')).toEqual(['b', 'c', 'd']);
    expect(loop.delivered).toBe(4);
    expect(spool.peek()).toBeUndefined();
  });
});
