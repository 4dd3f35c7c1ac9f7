import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { KEY_FILE as DEVICE_SECRETS_KEY } from '../auth/device-secrets';

/**
 * Fingerprints of the data dir's keys, kept in the store of record. Where several hub replicas
 * share one database (PostgreSQL), each reads its keys from its own data dir; this lets a replica
 * whose keys differ from the others' refuse to start instead of silently refusing every device
 * another replica provisioned (device secrets are HMACs under the key) or writing audit MACs that
 * the others cannot verify.
 */
export interface KeyFingerprints {
  /** Records `fingerprint` for `name` if none is recorded; true when the recorded one is this one. */
  agree(name: string, fingerprint: string): Promise<boolean>;
}

/** One hub on one SQLite file: its keys lie beside the file, nothing to agree with. */
export const SINGLE_NODE_KEYS: KeyFingerprints = { agree: async () => true };

// The keys every request path uses; the export signing and VAPID keys are made later, on first use.
const KEY_FILES = [DEVICE_SECRETS_KEY, path.join('keys', 'audit-hmac.key')];

/** An HMAC of a fixed text under the key: names the key without revealing anything of it. */
const fingerprintOf = (key: Buffer) =>
  crypto.createHmac('sha256', key).update('shopwatch key fingerprint v1').digest('hex');

/**
 * Checks each key file present in `dataDir` against the fingerprint the database holds (the first
 * hub to start records it). Throws, naming the file, when a key differs.
 */
export async function checkSharedKeys(store: KeyFingerprints, dataDir: string): Promise<void> {
  for (const name of KEY_FILES) {
    let key: Buffer;
    try {
      key = fs.readFileSync(path.join(dataDir, name));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    if (!(await store.agree(name, fingerprintOf(key)))) {
      throw new Error(
        `${name} in ${dataDir} is not the key the other hubs on this database use: copy the data dir's keys ` +
          'from a running hub (or share its data dir) before starting this one',
      );
    }
  }
}
