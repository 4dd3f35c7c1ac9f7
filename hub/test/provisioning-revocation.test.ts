import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type AlertWithDeliveries, topics } from '@shopwatch/protocols';
import { KEY_FILE } from '../src/auth/device-secrets';
import { login, startTestHub, tempDir, testScheme, writeSeed } from './support/hub';
import { killHub, spawnHub, timeUntilReady } from './support/fleet';
import { freePort } from './support/ports';
import { TestDevice, sleep } from './support/mqtt';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** The test scheme without radio-coop and without the coordinator. */
function withoutCoopAndCoord() {
  const p = testScheme();
  p.devices = p.devices!.filter((d) => d.id !== 'radio-coop');
  p.users = p.users!.filter((u) => u.username !== 'coord');
  return p;
}

const expectRefused = (mqttPort: number) =>
  expect(TestDevice.connect(mqttPort, 'radio-coop', 'radio-coop-secret-for-tests')).rejects.toThrow(
    /Bad username or password/i,
  );

const closed = (d: TestDevice) => new Promise<void>((r) => d.client.once('close', () => r()));

async function api(http: string, token: string, url: string) {
  return fetch(`${http}${url}`, { headers: { authorization: `Bearer ${token}` } });
}

describe('revocation by re-provisioning', () => {
  it('ends a removed device’s connection and refuses it, and ends a removed user’s session', async () => {
    const hub = await startTestHub();
    try {
      const coop = await TestDevice.connect(hub.mqttPort, 'radio-coop', 'radio-coop-secret-for-tests');
      const boots = await TestDevice.connect(hub.mqttPort, 'radio-boots', 'radio-boots-secret-for-tests');
      const coordToken = await login(hub.http, 'coord', 'coord-password');
      const opToken = await login(hub.http, 'operator', 'operator-password');
      const coopClosed = closed(coop);
      let bootsClosed = false;
      boots.client.once('close', () => (bootsClosed = true));

      writeSeed(hub.dataDir, withoutCoopAndCoord());
      expect(await hub.reprovision()).toEqual(['radio-coop']);

      await coopClosed; // the removed radio's live connection is gone
      await expectRefused(hub.mqttPort);
      expect((await api(hub.http, coordToken, '/api/alerts')).status).toBe(401);
      await expect(login(hub.http, 'coord', 'coord-password')).rejects.toThrow(/401/);

      // Everyone else carries on: the other radio stays connected and can raise, the operator's token works.
      await boots.publish(topics.alertRaise('town'), { type: 'shoplifting', severity: 'low', clientRef: 'after' });
      expect(bootsClosed).toBe(false);
      const list = (await (await api(hub.http, opToken, '/api/alerts')).json()) as AlertWithDeliveries[];
      // The removed radio is no longer someone the alert waits for.
      expect(list[0]!.undelivered).not.toContain('radio-coop');
      expect(list[0]!.undelivered).toContain('radio-boots');
      await boots.end();
    } finally {
      await hub.stop();
    }
  });

  it('re-admits a device that is provisioned again', async () => {
    const hub = await startTestHub();
    try {
      writeSeed(hub.dataDir, withoutCoopAndCoord());
      await hub.reprovision();
      await expectRefused(hub.mqttPort);
      writeSeed(hub.dataDir, testScheme());
      await hub.reprovision();
      const coop = await TestDevice.connect(hub.mqttPort, 'radio-coop', 'radio-coop-secret-for-tests');
      await coop.end();
      await login(hub.http, 'coord', 'coord-password');
    } finally {
      await hub.stop();
    }
  });

  it('applies "npm run hub -- provision FILE" beside a running hub, which drops the removed radio', async () => {
    const hub = await startTestHub();
    try {
      const coop = await TestDevice.connect(hub.mqttPort, 'radio-coop', 'radio-coop-secret-for-tests');
      const coordToken = await login(hub.http, 'coord', 'coord-password');
      const coopClosed = closed(coop);
      const file = path.join(hub.dataDir, 'smaller.json');
      fs.writeFileSync(file, JSON.stringify(withoutCoopAndCoord()));
      const main = path.join(ROOT, 'hub/src/main.ts');
      const r = spawnSync(process.execPath, ['--import', 'tsx', main, 'provision', file], {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 60_000,
        env: { ...process.env, SHOPWATCH_DATA_DIR: hub.dataDir, SHOPWATCH_LOG_LEVEL: 'error' },
      });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/1 revoked; 0 passwords set, 1 users removed/);
      expect((await api(hub.http, coordToken, '/api/alerts')).status).toBe(401); // at once: the session row is gone
      const late = sleep(8000).then(() => {
        throw new Error('radio-coop still connected 8 s later');
      });
      await Promise.race([coopClosed, late]);
      await expectRefused(hub.mqttPort);
    } finally {
      await hub.stop();
    }
  });

  it('re-applies SHOPWATCH_SEED on SIGHUP to a running hub process and drops the removed radio', async () => {
    const dir = tempDir();
    const seed = writeSeed(dir, testScheme());
    const [mqttPort, httpPort] = [await freePort(), await freePort()];
    const child = spawnHub(dir, seed, mqttPort, httpPort);
    try {
      await timeUntilReady(httpPort);
      const coop = await TestDevice.connect(mqttPort, 'radio-coop', 'radio-coop-secret-for-tests');
      const coopClosed = closed(coop);
      writeSeed(dir, withoutCoopAndCoord());
      child.kill('SIGHUP');
      const late = sleep(15_000).then(() => {
        throw new Error('radio-coop still connected 15 s after SIGHUP');
      });
      await Promise.race([coopClosed, late]);
      await expectRefused(mqttPort);
      expect(child.exitCode).toBeNull(); // SIGHUP re-applies, it does not stop the hub
    } finally {
      await killHub(child, 'SIGTERM');
    }
  }, 60_000);

  it('keeps the digest key in a 0600 file outside the database', async () => {
    const hub = await startTestHub();
    await hub.stop();
    const keyFile = path.join(hub.dataDir, KEY_FILE);
    expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
    const key = fs.readFileSync(keyFile);
    expect(key).toHaveLength(32);
    for (const f of fs.readdirSync(hub.dataDir).filter((n) => n.startsWith('shopwatch.db'))) {
      const bytes = fs.readFileSync(path.join(hub.dataDir, f));
      expect(bytes.includes(key)).toBe(false);
      expect(bytes.includes(key.toString('hex'))).toBe(false);
      expect(bytes.includes('radio-coop-secret-for-tests')).toBe(false); // nor any secret in the clear
    }
  });
});
