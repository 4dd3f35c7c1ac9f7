import fs from 'node:fs';
import { Provisioning, describeIssues } from '@shopwatch/protocols';
import { defaultDuty } from '../auth/principal';
import { hashDeviceSecret, hashPassword, verifyHash } from '../auth/passwords';
import type { Logger } from '../log';
import type { Repository } from '../storage/repository';

export class ProvisioningError extends Error {}

/** Reads and validates a provisioning file; errors name the file and the path of each bad field. */
export function readProvisioning(file: string): Provisioning {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new ProvisioningError(`cannot read provisioning file ${file}: ${(e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ProvisioningError(`provisioning file ${file} is not valid JSON: ${(e as Error).message}`);
  }
  const r = Provisioning.safeParse(json);
  if (!r.success) {
    const lines = describeIssues(r.error.issues).map((i) => `  ${i.path}: ${i.message}`);
    throw new ProvisioningError(`provisioning file ${file} is invalid:\n${lines.join('\n')}`);
  }
  return r.data;
}

/**
 * Applies a provisioning file. Idempotent: applying the same file twice changes nothing, and a
 * password or secret is re-hashed only when it changed (argon2 salts differ on every hash).
 */
export async function applyProvisioning(repo: Repository, p: Provisioning, log: Logger) {
  for (const s of p.schemes) {
    await repo.upsertScheme({
      id: s.id, name: s.name, settings: s.settings,
      zones: s.zones, stores: s.stores.map((st) => ({ id: st.id, name: st.name, zone: st.zone, plan: st.plan ?? null })),
    });
  }
  // argon2 runs on libuv's thread pool: hash a few at a time instead of one after another.
  await inBatches(p.users, 4, async (u) => {
    const old = await repo.getUser(u.username);
    const passwordHash = old && (await verifyHash(old.passwordHash, u.password)) ? old.passwordHash : await hashPassword(u.password);
    await repo.upsertUser({ username: u.username, passwordHash, role: u.role, scheme: u.scheme, store: u.store ?? null, displayName: u.displayName ?? null });
  });
  await inBatches(p.devices, 4, async (d) => {
    const old = await repo.getDevice(d.id);
    const secretHash = old && (await verifyHash(old.secretHash, d.secret)) ? old.secretHash : await hashDeviceSecret(d.secret);
    await repo.upsertDevice({ id: d.id, kind: d.kind, scheme: d.scheme, store: d.store ?? null, duty: d.duty ?? defaultDuty(d.kind, d.store), name: d.name ?? null, secretHash });
  });
  log.info({ schemes: p.schemes.length, users: p.users.length, devices: p.devices.length }, 'provisioning applied');
}

async function inBatches<T>(items: T[], size: number, fn: (item: T) => Promise<void>) {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn));
}
