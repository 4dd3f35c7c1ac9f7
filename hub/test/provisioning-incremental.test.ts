import { describe, expect, it } from 'vitest';
import { Provisioning, type ProvisioningInput } from '@shopwatch/protocols';
import { DeviceAuthenticator } from '../src/auth/device-auth';
import { SecretKey } from '../src/auth/device-secrets';
import { hashPassword } from '../src/auth/passwords';
import { logger } from '../src/log';
import { applyProvisioning } from '../src/provisioning/apply';
import { openDatabase } from '../src/storage/sqlite';
import { SqliteRepository } from '../src/storage/sqlite-repository';
import { tempDir } from './support/hub';
import { fleetProvisioning, fleetSecret } from './support/fleet';

const log = logger('test');

function withUsers(p: ProvisioningInput, n: number): ProvisioningInput {
  const users = Array.from({ length: n }, (_, i) => ({
    username: `op${i}`,
    password: `operator-${i}-long-password`,
    role: 'operator' as const,
    scheme: 'fleet',
  }));
  return { ...p, users };
}

describe('incremental provisioning', () => {
  it('re-applies 10,000 devices and 20 users without re-hashing or re-writing anything unchanged', async () => {
    const dir = tempDir();
    const repo = new SqliteRepository(openDatabase(dir, log));
    const key = SecretKey.forDataDir(dir);
    const file = Provisioning.parse(withUsers(fleetProvisioning(10_000), 20));
    const first = await applyProvisioning(repo, file, key, log);
    expect(first.devicesWritten).toBe(10_012);
    expect(first.usersHashed).toBe(20);
    const before = (await repo.getUser('op3'))!.passwordHash;

    const again = await applyProvisioning(repo, file, key, log);
    console.log(`[fleet] apply of 10,012 devices + 20 users: first ${first.ms} ms, unchanged ${again.ms} ms`);
    expect(again).toMatchObject({
      devicesWritten: 0,
      devicesUnchanged: 10_012,
      usersHashed: 0,
      usersUnchanged: 20,
      revokedDevices: [],
      removedUsers: [],
    });
    expect((await repo.getUser('op3'))!.passwordHash).toBe(before);
    // The 20 users' passwords are verified with argon2id (~1 s here, more on a loaded box);
    // 10,000 device checks took minutes before keyed verifiers.
    expect(again.ms).toBeLessThan(10_000);

    // One changed secret and one changed password are the only work done.
    const changed = structuredClone(file);
    changed.devices[7]!.secret = fleetSecret('d7-rotated');
    changed.users[3]!.password = 'a-rotated-operator-password';
    const third = await applyProvisioning(repo, changed, key, log);
    expect(third).toMatchObject({ devicesWritten: 1, usersHashed: 1 });
    const auth = new DeviceAuthenticator(repo, key);
    expect(await auth.authenticate('d7', fleetSecret('d7'))).toBeNull();
    expect((await auth.authenticate('d7', fleetSecret('d7-rotated')))?.id).toBe('d7');
    repo.close();
  }, 120_000);

  it('replaces an argon2 verifier from before keyed digests on the next apply, accepting it until then', async () => {
    const dir = tempDir();
    const repo = new SqliteRepository(openDatabase(dir, log));
    const key = SecretKey.forDataDir(dir);
    const file = Provisioning.parse(fleetProvisioning(3));
    await applyProvisioning(repo, file, key, log);
    const d0 = (await repo.getDevice('d0'))!;
    await repo.upsertDevice({ ...d0, secretHash: await hashPassword(fleetSecret('d0')) }); // as an older hub stored it
    const auth = new DeviceAuthenticator(repo, key);
    expect((await auth.authenticate('d0', fleetSecret('d0')))?.id).toBe('d0');
    expect(await auth.authenticate('d0', fleetSecret('d1'))).toBeNull();
    const r = await applyProvisioning(repo, file, key, log);
    expect(r.devicesWritten).toBe(1);
    expect((await repo.getDevice('d0'))!.secretHash).toMatch(/^hmac-sha256\$v1\$[0-9a-f]{64}$/);
    expect((await auth.authenticate('d0', fleetSecret('d0')))?.id).toBe('d0');
    repo.close();
  });
});
