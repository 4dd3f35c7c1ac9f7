import { expect, it } from 'vitest';
import type { Repository } from '../../src/storage/repository';
import type { Ctx } from './repository-fixtures';

const at = '2026-11-30T10:00:00.000Z';
const open = (repo: Repository, nodeId: string, connectionId: string, deviceId = 'r1') =>
  repo.openConnection({ nodeId, connectionId, deviceId, openedAt: at });

/** Open device connections (presence): counts over every hub node, kept in the store. */
export function registerConnectionTests(ctx: Ctx) {
  it('counts a device’s open connections over all nodes when one opens or closes', async () => {
    const { repo } = ctx();
    expect(await open(repo, 'node-a', 'c1')).toBe(1);
    expect(await open(repo, 'node-b', 'c1')).toBe(2); // same connection id on another node: another row
    expect(await open(repo, 'node-a', 'c1')).toBe(2); // the same connection counted twice is one row
    expect(await open(repo, 'node-a', 'c9', 'r2')).toBe(1);
    expect(await repo.closeConnection('node-a', 'c1', 'r1')).toBe(1);
    expect(await repo.connectionCount('r1')).toBe(1);
    expect(await repo.closeConnection('node-a', 'c1', 'r1')).toBe(1); // closing twice removes nothing more
    expect(await repo.closeConnection('node-b', 'c1', 'r1')).toBe(0);
    expect(await repo.connectionCount('r2')).toBe(1);
    expect(await repo.connectionCount('nobody')).toBe(0);
  });

  it('drops only the rows of the node that is cleared, and keeps the others through a reopen', async () => {
    const { repo } = ctx();
    await open(repo, 'crashed', 'c1');
    await open(repo, 'crashed', 'c2', 'r2');
    await open(repo, 'alive', 'c3');
    const again = await ctx().reopen();
    expect(await again.connectionCount('r1')).toBe(2);
    expect(await again.clearNodeConnections('crashed')).toBe(2);
    expect(await again.connectionCount('r1')).toBe(1);
    expect(await again.connectionCount('r2')).toBe(0);
    expect(await again.clearNodeConnections('crashed')).toBe(0);
  });

  it('turns a device offline once when two nodes close its last two connections at the same time', async () => {
    const { repo } = ctx();
    for (let round = 0; round < 10; round++) {
      await open(repo, 'node-a', `a${round}`);
      await open(repo, 'node-b', `b${round}`);
      const left = await Promise.all([
        repo.closeConnection('node-a', `a${round}`, 'r1'),
        repo.closeConnection('node-b', `b${round}`, 'r1'),
      ]);
      expect(left.sort()).toEqual([0, 1]);
    }
  });
}
