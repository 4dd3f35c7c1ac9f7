import { afterEach, describe, expect, it } from 'vitest';
import { InProcessEventBus } from '../src/bus';
import { logger } from '../src/log';
import { Revocation } from '../src/provisioning/revocation';
import { startTestHub, tempDir, testScheme, writeSeed } from './support/hub';

const hubs: { stop(): Promise<void> }[] = [];
afterEach(async () => {
  for (const h of hubs.splice(0)) await h.stop();
});

/**
 * Issue 14: a node learns of a provisioning change from the bus (or from its own reprovision) at
 * once, and from its 2 s poll otherwise. A poll whose read of the generation was in flight when
 * the change was committed must not swallow the notice that arrives meanwhile.
 */
describe('provisioning check while a poll is in flight', () => {
  it('checks again after the running check, so a change committed meanwhile is picked up at once', async () => {
    const hub = await startTestHub();
    hubs.push(hub);
    const repo = hub.services.repo;
    // The real store, its answer held back: the read happens now, the answer arrives when released.
    let release!: () => void;
    let held = Promise.resolve();
    const slowRepo = {
      provisioningGeneration: async () => {
        const g = await repo.provisioningGeneration();
        await held;
        return g;
      },
      revokedDeviceIds: () => repo.revokedDeviceIds(),
    };
    let invalidated = 0;
    const log = logger('test:revocation');
    const connections = { isConnected: () => false, disconnect: () => {} };
    const revocation = new Revocation(
      connections,
      slowRepo,
      { invalidate: () => invalidated++ },
      new InProcessEventBus(log),
      log,
    );
    await revocation.start();
    revocation.stop(); // no timer: this test plays the poll itself

    held = new Promise<void>((r) => (release = r));
    const poll = revocation.check(); // reads the generation before the change
    await new Promise((r) => setTimeout(r, 100));
    const seed = testScheme();
    seed.devices = seed.devices!.filter((d) => d.id !== 'radio-coop');
    await hub.reprovision(writeSeed(tempDir(), seed)); // commits a new generation
    const notice = revocation.check(); // what the bus event (or the reprovision) asks
    release();
    await poll;
    await notice;
    expect(invalidated).toBe(1);
    expect(await revocation.check()).toEqual([]); // and nothing further to pick up
    expect(invalidated).toBe(1);
  });
});
