import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HubError } from '../../src/errors';
import type { Repository } from '../../src/storage/repository';
import { ConstraintError } from '../../src/storage/storage-errors';
import { registerAlertTests, registerReceiptTests } from './repository-contract-alerts';
import { registerConnectionTests } from './repository-contract-connections';
import { type Ctx, SCHEME, device, raise, user } from './repository-fixtures';

/** An empty store of one engine, and a way to open the same store again after closing it. */
export interface ContractStore {
  repo: Repository;
  reopen(): Promise<Repository>;
}

/**
 * Runs the same tests against any `Repository`: the SQLite one and the PostgreSQL one must
 * behave alike, down to the error a refused write gives. `open` returns an empty, migrated store.
 */
export function repositoryContract(engine: string, open: () => Promise<ContractStore>) {
  describe(`Repository contract: ${engine}`, () => {
    let store: ContractStore;
    let repo: Repository;
    beforeEach(async () => {
      store = await open();
      repo = store.repo;
      await repo.upsertScheme(SCHEME);
    });
    afterEach(async () => {
      await repo.close();
    });

    // Closes the store and opens it again; afterEach then closes the new handle.
    const reopen = async () => {
      await repo.close();
      repo = await store.reopen();
      return repo;
    };
    const ctx = () => ({ repo, reopen });
    registerDirectoryTests(ctx);
    registerAlertTests(ctx);
    registerReceiptTests(ctx);
    registerConnectionTests(ctx);

    it('keeps what it acknowledged when the store is closed and opened again', async () => {
      await raise(repo, 'a1');
      await repo.upsertDevices([device('r1')]);
      await reopen();
      expect((await repo.getAlert('a1'))?.timeline.map((t) => t.kind)).toEqual(['raised']);
      expect((await repo.getDevice('r1'))?.name).toBe('Radio r1');
    });
  });
}

function registerDirectoryTests(ctx: Ctx) {
  it('stores schemes with their settings, zones and stores, and updates them in place', async () => {
    const { repo } = ctx();
    expect(await repo.getScheme('town')).toEqual(SCHEME);
    await repo.upsertScheme({
      ...SCHEME,
      name: 'Town Centre',
      settings: { ...SCHEME.settings, escalationSeconds: 90, liveViewMembers: true },
      zones: [{ id: 'east', name: 'East' }, ...SCHEME.zones],
    });
    const s = await repo.getScheme('town');
    expect(s?.name).toBe('Town Centre');
    expect(s?.settings.escalationSeconds).toBe(90);
    expect(s?.settings.liveViewMembers).toBe(true);
    expect(s?.zones.map((z) => z.id)).toEqual(['east', 'north', 'south']);
    await repo.upsertScheme({ ...SCHEME, id: 'city', name: 'City' });
    expect((await repo.listSchemes()).map((x) => x.id)).toEqual(['city', 'town']);
    expect(await repo.getScheme('nowhere')).toBeNull();
  });

  it('finds users case-insensitively and updates the one user whatever the case', async () => {
    const { repo } = ctx();
    await repo.upsertUser(user('Alice', { displayName: 'Alice A', passwordDigest: 'd1' }));
    expect((await repo.getUser('ALICE'))?.displayName).toBe('Alice A');
    await repo.upsertUser(user('alice', { role: 'operator', store: null, passwordDigest: 'd2' }));
    const users = await repo.listUsers();
    expect(users).toHaveLength(1);
    expect(users[0]).toMatchObject({ username: 'Alice', role: 'operator', store: null, passwordDigest: 'd2' });
    expect(await repo.getUser('bob')).toBeNull();
  });

  it('removes users with their sessions, and no one else', async () => {
    const { repo } = ctx();
    await repo.upsertUser(user('alice'));
    await repo.upsertUser(user('bob'));
    await repo.createSession('t-alice', 'alice', '2026-11-30T10:00:00Z', '2026-11-30T18:00:00Z');
    await repo.createSession('t-bob', 'bob', '2026-11-30T10:00:00Z', '2026-11-30T18:00:00Z');
    await repo.removeUsers(['ALICE']);
    expect(await repo.getUser('alice')).toBeNull();
    expect(await repo.getSession('t-alice', '2026-11-30T11:00:00Z')).toBeNull();
    expect(await repo.getSession('t-bob', '2026-11-30T11:00:00Z')).toEqual({
      username: 'bob',
      expiresAt: '2026-11-30T18:00:00Z',
    });
  });

  it('ends sessions at expiry and at logout, and clears expired ones when a new one starts', async () => {
    const { repo } = ctx();
    await repo.upsertUser(user('alice'));
    await repo.createSession('old', 'alice', '2026-11-30T08:00:00Z', '2026-11-30T09:00:00Z');
    await repo.createSession('live', 'alice', '2026-11-30T08:30:00Z', '2026-11-30T18:00:00Z');
    expect(await repo.getSession('old', '2026-11-30T08:45:00Z')).not.toBeNull();
    expect(await repo.getSession('old', '2026-11-30T09:00:00Z')).toBeNull(); // expired
    await repo.createSession('new', 'alice', '2026-11-30T10:00:00Z', '2026-11-30T18:00:00Z');
    expect(await repo.getSession('old', '2026-11-30T08:45:00Z')).toBeNull(); // deleted, not just expired
    await repo.deleteSession('live');
    expect(await repo.getSession('live', '2026-11-30T10:00:00Z')).toBeNull();
    expect(await repo.getSession('new', '2026-11-30T10:00:00Z')).not.toBeNull();
  });

  it('refuses a session for an unknown user and a reused token with the same conflict error', async () => {
    const { repo } = ctx();
    await repo.upsertUser(user('alice'));
    const fk = repo.createSession('t1', 'nobody', '2026-11-30T10:00:00Z', '2026-11-30T18:00:00Z');
    await expect(fk).rejects.toMatchObject({ code: 'conflict', constraint: 'foreign_key' });
    await repo.createSession('t1', 'alice', '2026-11-30T10:00:00Z', '2026-11-30T18:00:00Z');
    const dup = repo.createSession('t1', 'alice', '2026-11-30T10:00:00Z', '2026-11-30T19:00:00Z');
    await expect(dup).rejects.toBeInstanceOf(ConstraintError);
    await expect(dup).rejects.toMatchObject({ code: 'conflict', constraint: 'unique' });
    expect((await repo.getSession('t1', '2026-11-30T11:00:00Z'))?.expiresAt).toBe('2026-11-30T18:00:00Z');
  });

  it('refuses a user of an unknown scheme and stores nothing of it', async () => {
    const { repo } = ctx();
    const r = repo.upsertUser(user('mallory', { scheme: 'elsewhere' }));
    await expect(r).rejects.toBeInstanceOf(HubError);
    await expect(r).rejects.toMatchObject({ code: 'conflict', constraint: 'foreign_key' });
    expect(await repo.listUsers()).toEqual([]);
  });

  it('writes a fleet of devices, revokes some, and re-enables them when provisioned again', async () => {
    const { repo } = ctx();
    await repo.upsertDevices([device('r2'), device('r1'), device('w1', { store: null, duty: 'warden' })]);
    await repo.upsertDevice(device('e1', { kind: 'edge' }));
    expect(await repo.getDevice('w1')).toEqual({
      ...device('w1', { store: null, duty: 'warden' }),
      sinceSeq: 0,
      lastSeen: null,
      disabledAt: null,
    });
    await repo.disableDevices(['r2', 'e1'], '2026-11-30T10:00:00Z');
    await repo.disableDevices(['r2'], '2026-11-30T11:00:00Z'); // already revoked: the first time stays
    expect((await repo.listDevices('town')).map((d) => d.id)).toEqual(['r1', 'w1']);
    expect((await repo.listAllDevices()).map((d) => d.id)).toEqual(['e1', 'r1', 'r2', 'w1']);
    expect((await repo.revokedDeviceIds()).sort()).toEqual(['e1', 'r2']); // in no particular order
    expect((await repo.getDevice('r2'))?.disabledAt).toBe('2026-11-30T10:00:00Z');
    await repo.upsertDevices([device('r2', { name: 'Renamed' })]);
    expect(await repo.getDevice('r2')).toMatchObject({ name: 'Renamed', disabledAt: null });
    expect(await repo.revokedDeviceIds()).toEqual(['e1']);
    expect(await repo.listDevices('elsewhere')).toEqual([]);
    expect(await repo.getDevice('nope')).toBeNull();
  });

  it('starts a new device after the events that happened before it existed', async () => {
    const { repo } = ctx();
    await raise(repo, 'a1');
    await raise(repo, 'a2');
    const before = await repo.maxSeq();
    await repo.upsertDevices([device('r9')]);
    expect((await repo.getDevice('r9'))?.sinceSeq).toBe(before);
    await raise(repo, 'a3');
    await repo.upsertDevices([device('r9', { name: 'again' })]);
    expect((await repo.getDevice('r9'))?.sinceSeq).toBe(before); // re-provisioning keeps its start
  });

  it('refuses a fleet with one device of an unknown scheme and writes none of it', async () => {
    const { repo } = ctx();
    const r = repo.upsertDevices([device('ok1'), device('bad', { scheme: 'elsewhere' }), device('ok2')]);
    await expect(r).rejects.toMatchObject({ code: 'conflict', constraint: 'foreign_key' });
    expect(await repo.listAllDevices()).toEqual([]);
  });

  it('counts provisioning generations and remembers when a device was last seen', async () => {
    const { repo, reopen } = ctx();
    expect(await repo.provisioningGeneration()).toBe(0);
    expect(await repo.bumpProvisioningGeneration('2026-11-30T10:00:00Z')).toBe(1);
    expect(await repo.bumpProvisioningGeneration('2026-11-30T10:05:00Z')).toBe(2);
    expect(await repo.provisioningGeneration()).toBe(2);
    await repo.upsertDevices([device('r1')]);
    await repo.touchDevice('r1', '2026-11-30T10:06:00Z');
    expect((await repo.getDevice('r1'))?.lastSeen).toBe('2026-11-30T10:06:00Z');
    const again = await reopen(); // closing flushes the batched last-seen times
    expect((await again.getDevice('r1'))?.lastSeen).toBe('2026-11-30T10:06:00Z');
    expect(await again.provisioningGeneration()).toBe(2);
  });

  it('keeps camera states per device and lists them by the scheme of the device', async () => {
    const { repo } = ctx();
    await repo.upsertScheme({ ...SCHEME, id: 'city', name: 'City' });
    await repo.upsertDevices([device('e1', { kind: 'edge' }), device('e2', { kind: 'edge', scheme: 'city' })]);
    await repo.upsertCamera({
      deviceId: 'e1',
      cameraId: 'door',
      name: 'Door',
      status: 'online',
      reason: null,
      since: '2026-11-30T10:00:00Z',
    });
    await repo.upsertCamera({
      deviceId: 'e1',
      cameraId: 'door',
      name: null,
      status: 'error',
      reason: 'no frames',
      since: '2026-11-30T10:01:00Z',
    });
    await repo.upsertCamera({
      deviceId: 'e2',
      cameraId: 'till',
      name: 'Till',
      status: 'online',
      reason: null,
      since: '2026-11-30T10:00:00Z',
    });
    expect(await repo.listCameras('town')).toEqual([
      {
        deviceId: 'e1',
        cameraId: 'door',
        name: 'Door',
        status: 'error',
        reason: 'no frames',
        since: '2026-11-30T10:01:00Z',
      },
    ]);
    expect((await repo.listCameras('city')).map((c) => c.cameraId)).toEqual(['till']);
  });
}
