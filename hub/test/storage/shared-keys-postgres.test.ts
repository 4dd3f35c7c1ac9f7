import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config';
import { type RunningHub, startHub } from '../../src/hub';
import { tempDir, testScheme, writeSeed } from '../support/hub';
import { TestDevice } from '../support/mqtt';
import { type TestPostgres, startPostgres } from '../support/postgres';

/**
 * Two hubs on one PostgreSQL database, each with its own data dir. Device secrets are stored as
 * HMACs under the data dir's key, so a hub with a key of its own would lock out every device the
 * other provisioned: it must refuse to start, and start once given the same keys.
 */
describe('hubs sharing a PostgreSQL database share their keys', () => {
  let server: TestPostgres;
  let url: string;
  const hubs: RunningHub[] = [];
  const dirs: string[] = [];
  const start = async (dataDir: string) => {
    const seed = writeSeed(dataDir, testScheme());
    const config = { httpPort: 0, mqttPort: 0, host: '127.0.0.1', dataDir, seed, databaseUrl: url };
    const hub = await startHub(loadConfig({}, { ...config, logLevel: 'silent' }));
    hubs.push(hub);
    return hub;
  };
  const dir = () => {
    const d = tempDir('shopwatch-keys-');
    dirs.push(d);
    return d;
  };
  beforeAll(async () => {
    server = await startPostgres();
    url = await server.createDatabase('shared_keys');
  }, 120_000);
  afterAll(async () => {
    for (const h of hubs.reverse()) await h.stop();
    await server?.stop();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it('refuses to start a second hub whose data dir holds keys of its own, naming the key', async () => {
    const first = dir();
    await start(first);
    const radio = await TestDevice.connect(hubs[0]!.mqttPort, 'radio-boots', 'radio-boots-secret-for-tests');
    await radio.end();

    const stranger = dir();
    await expect(start(stranger)).rejects.toThrow(/secrets\.key .* is not the key the other hubs/);
    // The first hub's devices still get in: nothing was re-provisioned under the stranger's key.
    const again = await TestDevice.connect(hubs[0]!.mqttPort, 'radio-boots', 'radio-boots-secret-for-tests');
    await again.end();
  });

  it('starts a second hub given the same keys, and a device provisioned by the first connects to it', async () => {
    const [first] = dirs;
    const second = dir();
    fs.copyFileSync(path.join(first!, 'secrets.key'), path.join(second, 'secrets.key'));
    fs.cpSync(path.join(first!, 'keys'), path.join(second, 'keys'), { recursive: true });
    const hub = await start(second);
    const radio = await TestDevice.connect(hub.mqttPort, 'radio-coop', 'radio-coop-secret-for-tests');
    await radio.end();
  });
});
