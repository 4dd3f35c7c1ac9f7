import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ProvisioningInput } from '@shopwatch/protocols';
import { loadConfig } from '../../src/config';
import { type RunningHub, startHub } from '../../src/hub';
import { testDatabaseFor } from './postgres';

/** A small scheme used across hub tests: two zones, three stores, every role and device duty. */
export function testScheme(overrides: { escalationSeconds?: number } = {}): ProvisioningInput {
  return {
    schemes: [
      {
        id: 'town',
        name: 'Town Centre BCRP',
        zones: [
          { id: 'north', name: 'North' },
          { id: 'south', name: 'South' },
        ],
        stores: [
          { id: 'boots', name: 'Boots', zone: 'north' },
          { id: 'coop', name: 'Co-op', zone: 'north' },
          { id: 'tesco', name: 'Tesco', zone: 'south' },
        ],
        settings: { escalationSeconds: overrides.escalationSeconds ?? 60, catchUpHours: 24 },
      },
      {
        id: 'city',
        name: 'Neighbouring City BCRP',
        zones: [{ id: 'centre', name: 'Centre' }],
        stores: [{ id: 'argos', name: 'Argos', zone: 'centre' }],
        settings: { escalationSeconds: 60, catchUpHours: 24 },
      },
    ],
    users: [
      { username: 'admin', password: 'admin-password', role: 'admin', scheme: 'town' },
      { username: 'coord', password: 'coord-password', role: 'coordinator', scheme: 'town' },
      { username: 'operator', password: 'operator-password', role: 'operator', scheme: 'town' },
      { username: 'warden', password: 'warden-password', role: 'warden', scheme: 'town' },
      { username: 'boots-staff', password: 'boots-password', role: 'member', scheme: 'town', store: 'boots' },
      { username: 'tesco-staff', password: 'tesco-password', role: 'member', scheme: 'town', store: 'tesco' },
      { username: 'city-operator', password: 'city-password', role: 'operator', scheme: 'city' },
    ],
    devices: [
      { id: 'radio-boots', kind: 'radio', scheme: 'town', store: 'boots', secret: 'radio-boots-secret-for-tests' },
      { id: 'radio-coop', kind: 'radio', scheme: 'town', store: 'coop', secret: 'radio-coop-secret-for-tests' },
      { id: 'radio-tesco', kind: 'radio', scheme: 'town', store: 'tesco', secret: 'radio-tesco-secret-for-tests' },
      {
        id: 'control-room',
        kind: 'tablet',
        scheme: 'town',
        secret: 'control-room-secret-for-tests',
        duty: 'control-room',
      },
      { id: 'warden-1', kind: 'radio', scheme: 'town', secret: 'warden-one-secret-for-tests', duty: 'warden' },
      { id: 'edge-boots', kind: 'edge', scheme: 'town', store: 'boots', secret: 'edge-boots-secret-for-tests' },
      { id: 'radio-argos', kind: 'radio', scheme: 'city', store: 'argos', secret: 'radio-argos-secret-for-tests' },
    ],
  };
}

export function tempDir(prefix = 'shopwatch-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function writeSeed(dir: string, p: ProvisioningInput): string {
  const file = path.join(dir, 'seed.json');
  fs.writeFileSync(file, JSON.stringify(p, null, 2));
  return file;
}

/**
 * Starts a real hub in this process on ephemeral ports, with a real SQLite file in a temp dir (or,
 * in the PostgreSQL run, a database of its own on the run's server).
 */
export async function startTestHub(
  opts: {
    dataDir?: string;
    seed?: ProvisioningInput;
    escalationSeconds?: number;
    raisesPerMinute?: number;
    /** Any other settings, as the environment would give them. */
    config?: Record<string, unknown>;
  } = {},
): Promise<RunningHub & { dataDir: string; http: string }> {
  const dataDir = opts.dataDir ?? tempDir();
  const seedFile = writeSeed(dataDir, opts.seed ?? testScheme({ escalationSeconds: opts.escalationSeconds }));
  // In the PostgreSQL run (npm run test:postgres) the hub keeps everything in a database of its own.
  const databaseUrl = await testDatabaseFor(dataDir);
  const hub = await startHub(
    loadConfig(
      {},
      {
        httpPort: 0,
        mqttPort: 0,
        host: '127.0.0.1',
        dataDir,
        seed: seedFile,
        logLevel: 'error',
        ...(opts.raisesPerMinute ? { raisesPerMinute: opts.raisesPerMinute } : {}),
        ...(databaseUrl ? { databaseUrl } : {}),
        ...opts.config,
      },
    ),
  );
  // The PostgreSQL run proves it is one: a hub that fell back to SQLite would have made its file.
  if (databaseUrl && fs.existsSync(path.join(dataDir, 'shopwatch.db'))) {
    await hub.stop();
    throw new Error(`a hub given ${databaseUrl} made a SQLite database in its data dir`);
  }
  return { ...hub, stop: hub.stop, dataDir, http: `http://127.0.0.1:${hub.httpPort}` };
}

export async function login(http: string, username: string, password: string): Promise<string> {
  const res = await fetch(`${http}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (res.status !== 200) throw new Error(`login ${username} failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}
