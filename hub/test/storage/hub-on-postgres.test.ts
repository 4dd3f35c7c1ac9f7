import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AlertWithDeliveries, AuditEntry, ReviewCandidate, topics } from '@shopwatch/protocols';
import { loadConfig } from '../../src/config';
import { type RunningHub, startHub } from '../../src/hub';
import { login, tempDir, testScheme, writeSeed } from '../support/hub';
import { TestDevice, sleep } from '../support/mqtt';
import { type TestPostgres, startPostgres } from '../support/postgres';

/**
 * A whole hub with SHOPWATCH_DATABASE_URL set: everything it keeps and lists is in PostgreSQL,
 * nothing in a SQLite file, and a restart on the same database loses nothing a device missed.
 */
describe('a hub on PostgreSQL', () => {
  let server: TestPostgres;
  let url: string;
  let dataDir: string;
  let hub: RunningHub | null = null;
  const http = () => `http://127.0.0.1:${hub!.httpPort}`;
  const devices: TestDevice[] = [];
  const connect = async (id: string) => {
    const d = await TestDevice.connect(hub!.mqttPort, id, `${id}-secret-for-tests`);
    devices.push(d);
    return d;
  };
  const get = async (p: string, token: string) => {
    const res = await fetch(`${http()}${p}`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status, `GET ${p}`).toBe(200);
    return res.json() as Promise<unknown>;
  };
  const start = async () => {
    const env = { SHOPWATCH_DATABASE_URL: url, SHOPWATCH_DATA_DIR: dataDir };
    const overrides = { httpPort: 0, mqttPort: 0, host: '127.0.0.1', seed: path.join(dataDir, 'seed.json') };
    hub = await startHub(loadConfig(env, { ...overrides, logLevel: 'error' }));
  };

  beforeAll(async () => {
    server = await startPostgres();
    url = await server.createDatabase('hub_smoke');
    dataDir = tempDir('shopwatch-pg-hub-');
    writeSeed(dataDir, testScheme());
    await start();
  }, 180_000);
  afterAll(async () => {
    for (const d of devices) await d.end().catch(() => {});
    await hub?.stop();
    await server?.stop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('applies provisioning to PostgreSQL and keeps no SQLite database in the data dir', async () => {
    const db = new pg.Client(url);
    await db.connect();
    try {
      const { rows } = await db.query('SELECT id FROM devices ORDER BY id');
      expect(rows.map((r) => r.id)).toContain('radio-boots');
      expect((await db.query("SELECT count(*)::int AS n FROM users WHERE scheme = 'town'")).rows[0].n).toBe(6);
    } finally {
      await db.end();
    }
    expect(fs.readdirSync(dataDir).filter((f) => f.includes('.db'))).toEqual([]);
  });

  it('acknowledges a raise over MQTT, delivers it to the zone radio and lists it over HTTP', async () => {
    const coop = await connect('radio-coop');
    await coop.subscribe(topics.zoneAlerts('town', 'north'));
    const boots = await connect('radio-boots');
    // publishAsync resolves on PUBACK: sent only after the alert was committed to PostgreSQL.
    await boots.publish(topics.alertRaise('town'), { type: 'shoplifting', severity: 'low', clientRef: 'pg-1' });
    const raised = await coop.waitForEvent('raised', undefined, 10_000);
    expect(raised.alert).toMatchObject({ clientRef: 'pg-1', store: 'boots', zone: 'north' });
    await coop.publish(topics.alertReceipt('town', raised.alert.id), { eventSeq: raised.seq });

    const op = await login(http(), 'operator', 'operator-password');
    const listed = (await get('/api/alerts', op)) as AlertWithDeliveries[];
    const mine = listed.find((a) => a.id === raised.alert.id);
    expect(mine?.timeline.map((t) => t.kind)).toEqual(['raised']);
    // The radio's receipt is in PostgreSQL: the listing shows it delivered (within a moment).
    for (let i = 0; i < 50; i++) {
      const again = (await get('/api/alerts', op)) as AlertWithDeliveries[];
      if (again.find((a) => a.id === raised.alert.id)?.deliveries.some((d) => d.deviceId === 'radio-coop')) return;
      await sleep(100);
    }
    throw new Error('the receipt of radio-coop never showed in the listing');
  });

  it('stores an evidence candidate reported by an edge box, and audits the reviewer who opens it', async () => {
    const gov = hub!.services.governance.gov;
    const now = new Date().toISOString();
    const statement = 'I saw him take them and leave without paying.';
    await gov.addIncident(
      'inc-1',
      'town',
      'boots',
      { type: 'theft', occurredAt: now, description: 'razors', statement },
      'coord',
      now,
    );
    const subject = { alias: 'Razor Man', status: 'known' as const, reason: 'repeat-offending' as const };
    const expires = new Date(Date.now() + 86_400_000).toISOString();
    await gov.addSubject(
      'subj-1',
      'town',
      { ...subject, incidentIds: ['inc-1'], under18: false, vulnerable: false },
      'coord',
      now,
      expires,
    );

    const edge = await connect('edge-boots');
    const sha = 'a'.repeat(64);
    await edge.publish(topics.evidence('town', 'edge-boots'), {
      kind: 'candidate',
      candidateId: 'cand-pg-1',
      cameraId: 'cam-1',
      subjectId: 'subj-1',
      templateVersion: 1,
      score: 0.8,
      distance: 0.4,
      frames: 3,
      firstSeenAt: now,
      capturedAt: now,
      clockOffsetMs: 0,
      box: { x: 1, y: 1, w: 50, h: 50 },
      crop: { file: 'crop.jpg', sha256: sha, bytes: 1000, box: { x: 1, y: 1, w: 60, h: 60 } },
      frame: { file: 'frame.jpg', sha256: sha, bytes: 1000, width: 640, height: 480 },
    });
    const op = await login(http(), 'operator', 'operator-password');
    const c = ReviewCandidate.parse(await get('/api/review/cand-pg-1', op));
    expect(c).toMatchObject({ id: 'cand-pg-1', status: 'pending', subjectAlias: 'Razor Man', deviceId: 'edge-boots' });
    expect(c.files.map((f) => f.name)).toEqual(['crop.jpg', 'frame.jpg']);

    const admin = await login(http(), 'admin', 'admin-password');
    const audit = AuditEntry.array().parse(await get('/api/audit?subjectId=subj-1', admin));
    expect(audit.map((e) => [e.action, e.actor.id, e.object.id])).toContainEqual(['view', 'operator', 'cand-pg-1']);
    const verify = (await get('/api/audit/verify', admin)) as { ok: boolean };
    expect(verify.ok).toBe(true);

    // The offline command reads the same database: every entry, the newest included.
    const env = { ...process.env, SHOPWATCH_DATA_DIR: dataDir, SHOPWATCH_DATABASE_URL: url };
    const hubCommand = ['--import', 'tsx', 'hub/src/main.ts'];
    const cliOptions = { cwd: path.resolve(import.meta.dirname, '../../..'), env, encoding: 'utf8' as const };
    const cli = spawnSync(process.execPath, [...hubCommand, 'audit', 'verify'], cliOptions);
    expect(cli.status, cli.stderr).toBe(0);
    const entries = Number(/audit log intact: (\d+) entries/.exec(cli.stdout)?.[1]);
    expect(entries).toBeGreaterThanOrEqual(audit.length);
    expect(entries).toBeGreaterThan(0);
    // So does the subject access export: the subject's incident and the audited view of its match.
    const out = path.join(dataDir, 'sar.json');
    const sar = spawnSync(process.execPath, [...hubCommand, 'sar', '--subject', 'subj-1', '--out', out], cliOptions);
    expect(sar.status, sar.stderr).toBe(0);
    const data = JSON.parse(fs.readFileSync(out, 'utf8'));
    expect(data.incidents.map((i: { id: string }) => i.id)).toEqual(['inc-1']);
    expect(data.audit.some((e: { object: { id: string } }) => e.object.id === 'cand-pg-1')).toBe(true);
  });

  it('catches a radio up after a restart on the same database with what it missed, in order, once', async () => {
    const boots = await connect('radio-boots');
    await boots.subscribe(topics.zoneAlerts('town', 'north'));
    await sleep(300);
    await boots.end();

    const coop = await connect('radio-coop');
    await coop.publish(topics.alertRaise('town'), { type: 'violence', severity: 'high', clientRef: 'missed-1' });
    await coop.publish(topics.alertRaise('town'), { type: 'suspicious', severity: 'low', clientRef: 'missed-2' });
    await coop.end();

    await hub!.stop();
    hub = null;
    await start();

    const back = await connect('radio-boots');
    await back.subscribe(topics.zoneAlerts('town', 'north'));
    await back.waitFor((m) => m.json?.alert?.clientRef === 'missed-2', 10_000, 'the second missed raise');
    await sleep(500);
    const got = back.events().filter((e) => e.alert.clientRef.startsWith('missed-'));
    expect(got.map((e) => [e.alert.clientRef, e.event, e.replay])).toEqual([
      ['missed-1', 'raised', true],
      ['missed-2', 'raised', true],
    ]);
  });
});
