import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Provisioning, type ProvisioningInput, describeIssues } from '@shopwatch/protocols';
import { demoProvisioning } from '../../scripts/demo/provisioning';
import { login, startTestHub, tempDir, testScheme, writeSeed } from './support/hub';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** The issues of a file as "path: message" lines, the form the hub prints. */
function problems(p: ProvisioningInput): string[] {
  const r = Provisioning.safeParse(p);
  return r.success ? [] : describeIssues(r.error.issues).map((i) => `${i.path}: ${i.message}`);
}

/** testScheme() changed by `edit`. */
function edited(edit: (p: any) => void): ProvisioningInput {
  const p = structuredClone(testScheme()) as any;
  edit(p);
  return p;
}

describe('strict provisioning', () => {
  it('accepts every provisioning file the project ships (tests, demo, docker)', () => {
    expect(problems(testScheme())).toEqual([]);
    expect(problems(demoProvisioning())).toEqual([]);
    expect(problems(JSON.parse(fs.readFileSync(path.join(ROOT, 'deploy/config/provisioning.json'), 'utf8')))).toEqual(
      [],
    );
  });

  const contradictions: [string, (p: any) => void, RegExp][] = [
    [
      'a store radio on control-room duty',
      (p) => (p.devices[0].duty = 'control-room'),
      /^devices\.0\.duty: .*whole scheme.*store "boots"/,
    ],
    [
      'a radio with no store on store duty',
      (p) => (p.devices[4].duty = 'store'),
      /^devices\.4\.store: a radio with duty "store" belongs to a store/,
    ],
    [
      'an edge box on warden duty',
      (p) => (p.devices[5].duty = 'warden'),
      /^devices\.5\.duty: an edge box cannot have duty "warden"/,
    ],
    [
      'an edge box without a store',
      (p) => delete p.devices[5].store,
      /^devices\.5\.store: an edge box .*belongs to a store/,
    ],
    ['a member without a store', (p) => delete p.users[4].store, /^users\.4\.store: a member belongs to a store/],
    [
      'an operator tied to a store',
      (p) => (p.users[2].store = 'boots'),
      /^users\.2\.store: an operator works for the whole scheme/,
    ],
    [
      'two zones with one id',
      (p) => p.schemes[0].zones.push({ id: 'north', name: 'North again' }),
      /^schemes\.0\.zones\.2\.id: duplicate zone id "north"/,
    ],
    [
      'two stores with one id',
      (p) => p.schemes[0].stores.push({ id: 'coop', name: 'Co-op 2', zone: 'south' }),
      /^schemes\.0\.stores\.3\.id: duplicate store id "coop"/,
    ],
    [
      'a store in a zone that does not exist',
      (p) => (p.schemes[0].stores[2].zone = 'east'),
      /^schemes\.0\.stores\.2\.zone: unknown zone "east"/,
    ],
    [
      'two devices with one id',
      (p) => p.devices.push({ ...p.devices[1] }),
      /^devices\.7\.id: duplicate device id "radio-coop"/,
    ],
    [
      'usernames that differ only in case',
      (p) => p.users.push({ ...p.users[0], username: 'ADMIN' }),
      /^users\.7\.username: duplicate username "admin"/,
    ],
    [
      'a password that is too short',
      (p) => (p.users[1].password = 'password'),
      /^users\.1\.password: passwords need at least 12 characters/,
    ],
    [
      'a common password padded to length',
      (p) => (p.users[1].password = 'Password1234!'),
      /^users\.1\.password: .*most common passwords/,
    ],
    [
      'a common password in letter swaps',
      (p) => (p.users[1].password = 'P@ssw0rd2024'),
      /^users\.1\.password: .*most common passwords/,
    ],
    [
      'a password equal to the username',
      (p) => (p.users[6].password = 'City-Operator'),
      /^users\.6\.password: .*must not be the username/,
    ],
    [
      'a device secret that is too short',
      (p) => (p.devices[0].secret = 'aaaaaaaaaaaa'),
      /^devices\.0\.secret: device secrets need at least 24/,
    ],
    [
      'a long secret of one character',
      (p) => (p.devices[0].secret = 'a'.repeat(40)),
      /^devices\.0\.secret: device secret is too predictable/,
    ],
    [
      'a secret that repeats a pattern',
      (p) => (p.devices[0].secret = 'abcdefghijkl'.repeat(2)),
      /^devices\.0\.secret: .*repeated pattern/,
    ],
  ];
  for (const [what, edit, expected] of contradictions) {
    it(`refuses ${what}, naming the field`, () => {
      const found = problems(edited(edit));
      expect(
        found.some((line) => expected.test(line)),
        found.join('\n'),
      ).toBe(true);
    });
  }

  it('refuses to start on a contradictory file (exit 2, every bad field named) and creates nothing', () => {
    const dir = tempDir();
    const seed = writeSeed(
      dir,
      edited((p) => {
        p.devices[0].duty = 'control-room';
        p.users.push({ ...p.users[2], username: 'Operator' });
        p.devices[1].secret = 'a'.repeat(30);
      }),
    );
    const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'hub/src/main.ts')], {
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
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/devices\.0\.duty/);
    expect(r.stderr).toMatch(/users\.7\.username: duplicate username "operator"/);
    expect(r.stderr).toMatch(/devices\.1\.secret/);
    expect(fs.readdirSync(dir)).toEqual(['seed.json']); // no database, no key file
  });

  it('logs a user in whatever the case of the username', async () => {
    const hub = await startTestHub();
    try {
      await login(hub.http, 'OPERATOR', 'operator-password');
      await login(hub.http, 'Boots-Staff', 'boots-password');
      // passwords keep their case
      await expect(login(hub.http, 'OPERATOR', 'Operator-Password')).rejects.toThrow(/401/);
    } finally {
      await hub.stop();
    }
  });
});
