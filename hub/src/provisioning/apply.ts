import fs from 'node:fs';
import { Provisioning, defaultDuty, describeIssues } from '@shopwatch/protocols';
import { type SecretKey, equalHex } from '../auth/device-secrets';
import { hashPassword, verifyHash } from '../auth/passwords';
import type { Logger } from '../log';
import type { ProvisionedDeviceRecord, Repository, UserRecord } from '../storage/repository';

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

/** What an apply changed; `revokedDevices` must lose their connections, `removedUsers` are gone. */
export interface ApplyReport {
  usersHashed: number;
  usersUnchanged: number;
  removedUsers: string[];
  devicesWritten: number;
  devicesUnchanged: number;
  revokedDevices: string[];
  ms: number;
}

/**
 * Applies a provisioning file: the file is the whole truth about users and devices.
 *
 * Incremental, so start-up does not grow with the fleet: rows are read in one query each, a
 * password is argon2-hashed only when it no longer verifies against the stored hash, a device is
 * written only when something about it changed (all writes in one transaction), and an unchanged
 * file writes nothing. Users missing from the file are deleted with their sessions; devices
 * missing from it are disabled (their history keeps naming them) and reported for disconnection.
 */
export async function applyProvisioning(
  repo: Repository,
  p: Provisioning,
  key: SecretKey,
  log: Logger,
): Promise<ApplyReport> {
  const t0 = performance.now();
  for (const s of p.schemes) {
    const stores = s.stores.map((st) => ({ id: st.id, name: st.name, zone: st.zone, plan: st.plan ?? null }));
    await repo.upsertScheme({ id: s.id, name: s.name, settings: s.settings, zones: s.zones, stores });
  }
  const users = await applyUsers(repo, p);
  const devices = await applyDevices(repo, p, key);
  await repo.bumpProvisioningGeneration(new Date().toISOString());
  const report: ApplyReport = { ...users, ...devices, ms: Math.round(performance.now() - t0) };
  const counts = { schemes: p.schemes.length, users: p.users.length, devices: p.devices.length };
  log.info({ ...counts, ...report }, 'provisioning applied');
  return report;
}

async function applyUsers(repo: Repository, p: Provisioning) {
  const old = new Map((await repo.listUsers()).map((u) => [u.username.toLowerCase(), u]));
  let hashed = 0;
  // argon2 runs on libuv's thread pool: hash a few at a time instead of one after another.
  await inBatches(p.users, 4, async (u) => {
    const before = old.get(u.username.toLowerCase());
    // People's passwords are checked against their argon2 hash, never a fast keyed digest: a copy
    // of the data folder (database and key file together) must not allow fast guessing of
    // human-chosen passwords. Users are few (tens to hundreds), so this stays cheap.
    const same = before ? await verifyHash(before.passwordHash, u.password) : false;
    if (!same) hashed++;
    const passwordHash = same ? before!.passwordHash : await hashPassword(u.password);
    const row: UserRecord = {
      username: before?.username ?? u.username,
      passwordHash,
      role: u.role,
      scheme: u.scheme,
      store: u.store ?? null,
      displayName: u.displayName ?? null,
      passwordDigest: null,
    };
    const unchanged = before && same && sameFields(before, row, ['role', 'scheme', 'store', 'displayName']);
    if (!unchanged) await repo.upsertUser(row);
  });
  const keep = new Set(p.users.map((u) => u.username.toLowerCase()));
  const removedUsers = [...old.values()].filter((u) => !keep.has(u.username.toLowerCase())).map((u) => u.username);
  if (removedUsers.length) await repo.removeUsers(removedUsers);
  return { usersHashed: hashed, usersUnchanged: p.users.length - hashed, removedUsers };
}

async function applyDevices(repo: Repository, p: Provisioning, key: SecretKey) {
  const old = new Map((await repo.listAllDevices()).map((d) => [d.id, d]));
  const changed: ProvisionedDeviceRecord[] = [];
  for (const d of p.devices) {
    const row: ProvisionedDeviceRecord = {
      id: d.id,
      kind: d.kind,
      scheme: d.scheme,
      store: d.store ?? null,
      duty: d.duty ?? defaultDuty(d.kind, d.store),
      name: d.name ?? null,
      secretHash: key.deviceVerifier(d.id, d.secret),
    };
    const before = old.get(d.id);
    const same =
      before &&
      before.disabledAt === null &&
      equalHex(before.secretHash, row.secretHash) &&
      sameFields(before, row, ['kind', 'scheme', 'store', 'duty', 'name']);
    if (!same) changed.push(row);
  }
  if (changed.length) await repo.upsertDevices(changed);
  const keep = new Set(p.devices.map((d) => d.id));
  const revokedDevices = [...old.values()].filter((d) => d.disabledAt === null && !keep.has(d.id)).map((d) => d.id);
  if (revokedDevices.length) await repo.disableDevices(revokedDevices, new Date().toISOString());
  return { devicesWritten: changed.length, devicesUnchanged: p.devices.length - changed.length, revokedDevices };
}

function sameFields<T extends object>(a: T, b: T, keys: (keyof T)[]): boolean {
  return keys.every((k) => a[k] === b[k]);
}

async function inBatches<T>(items: T[], size: number, fn: (item: T) => Promise<void>) {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn));
}
