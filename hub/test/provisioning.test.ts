import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { login, startTestHub, tempDir, testScheme, writeSeed } from './support/hub';

const ROOT = path.resolve(import.meta.dirname, '../..');

function runHubExpectingFailure(seed: string, dir = tempDir()) {
  return spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'hub/src/main.ts')], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 30_000,
    env: {
      ...process.env,
      SHOPWATCH_SEED: seed,
      SHOPWATCH_DATA_DIR: dir,
      SHOPWATCH_HTTP_PORT: '0',
      SHOPWATCH_MQTT_PORT: '0',
    },
  });
}

describe('provisioning at start-up', () => {
  it('applies the same file twice without changing anything', async () => {
    const dir = tempDir();
    let hub = await startTestHub({ dataDir: dir });
    const before = await hub.services.repo.getDevice('radio-boots');
    await hub.stop();
    hub = await startTestHub({ dataDir: dir });
    const after = await hub.services.repo.getDevice('radio-boots');
    expect(after!.secretHash).toBe(before!.secretHash); // not re-hashed: the secret did not change
    expect(await hub.services.repo.listDevices('town')).toHaveLength(6);
    await login(hub.http, 'operator', 'operator-password');
    await hub.stop();
  });

  it('changes a password when the file changes it', async () => {
    const dir = tempDir();
    let hub = await startTestHub({ dataDir: dir });
    await hub.stop();
    const seed = testScheme();
    seed.users!.find((u) => u.username === 'operator')!.password = 'a-new-operator-password';
    hub = await startTestHub({ dataDir: dir, seed });
    await expect(login(hub.http, 'operator', 'operator-password')).rejects.toThrow(/401/);
    await login(hub.http, 'operator', 'a-new-operator-password');
    await hub.stop();
  });

  it('refuses to start on an invalid file and names the path of each bad field', () => {
    const dir = tempDir();
    const shape = testScheme() as any;
    shape.devices[0].kind = 'pager';
    shape.users[0].ethnicity = 'x';
    const r = runHubExpectingFailure(writeSeed(dir, shape), dir);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/devices\.0\.kind/);
    expect(r.stderr).toMatch(/users\.0.*ethnicity/);
    // Cross-references are checked once the shape is right.
    const refs = testScheme() as any;
    refs.schemes[0].stores[1].zone = 'east';
    refs.devices[1].store = 'harrods';
    const r2 = runHubExpectingFailure(writeSeed(tempDir(), refs));
    expect(r2.status).toBe(2);
    expect(r2.stderr).toMatch(/schemes\.0\.stores\.1\.zone: unknown zone "east"/);
    expect(r2.stderr).toMatch(/devices\.1\.store: unknown store "harrods"/);
    expect(fs.readdirSync(dir)).toEqual(['seed.json']); // no database was created
  });

  it('refuses to start on a file that is not JSON, and on a bad port', () => {
    const dir = tempDir();
    const file = path.join(dir, 'seed.json');
    fs.writeFileSync(file, '{ "schemes": [');
    const r = runHubExpectingFailure(file);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/not valid JSON/);
    const p = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'hub/src/main.ts')], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, SHOPWATCH_HTTP_PORT: 'eighty' },
    });
    expect(p.status).toBe(2);
    expect(p.stderr).toMatch(/SHOPWATCH_HTTP_PORT/);
  });
});
