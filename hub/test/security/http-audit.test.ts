import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { ProvisioningInput } from '@shopwatch/protocols';
import { entryHash } from '../../src/audit/log';
import { login, startTestHub, testScheme } from '../support/hub';

const ROOT = path.resolve(import.meta.dirname, '../../..');

/**
 * The audit chain from the side of whoever relies on it: someone with write access to the
 * database file cuts entries from the end, or rewrites an entry and recomputes every hash after
 * it with the public algorithm. Both verified "intact" before; both must now fail, in the API
 * and in `npm run hub -- audit verify`.
 */
describe('the audit log is anchored outside the database', () => {
  let hub: Awaited<ReturnType<typeof startTestHub>> | null = null;
  afterEach(async () => {
    await hub?.stop();
    hub = null;
  });

  function seed(): ProvisioningInput {
    const s = testScheme();
    s.users!.push({ username: 'city-admin', password: 'city-admin-password', role: 'admin', scheme: 'city' });
    return s;
  }

  async function hubWithEntries() {
    hub = await startTestHub({ seed: seed() });
    const coord = await login(hub.http, 'coord', 'coord-password');
    // Each list read of the gallery, incidents and review stats is an audited view.
    for (let i = 0; i < 4; i++) {
      for (const p of ['/api/gallery/subjects', '/api/incidents', '/api/review-stats', '/api/review']) {
        const r = await fetch(`${hub.http}${p}`, { headers: { authorization: `Bearer ${coord}` } });
        expect(r.status, p).toBe(200);
      }
    }
    return { admin: await login(hub.http, 'admin', 'admin-password') };
  }
  const verifyApi = async (token: string) => {
    const res = await fetch(`${hub!.http}/api/audit/verify`, { headers: { authorization: `Bearer ${token}` } });
    return (await res.json()) as { ok: boolean; entries: number; reason?: string };
  };
  const verifyCli = () =>
    spawnSync(process.execPath, ['--import', 'tsx', 'hub/src/main.ts', 'audit', 'verify'], {
      cwd: ROOT,
      env: { ...process.env, SHOPWATCH_DATA_DIR: hub!.dataDir },
      encoding: 'utf8',
    });
  const openDb = () => new Database(path.join(hub!.dataDir, 'shopwatch.db'));

  it('audits review-queue and review-stats reads', async () => {
    await hubWithEntries();
    const list = await hub!.services.audit.list({ scheme: 'town', objectKind: 'candidate', limit: 100 });
    expect(list.filter((e) => e.object.id === '*list*').length).toBe(4);
    expect(list.filter((e) => e.object.id === 'review-stats').length).toBe(4);
  });

  it('names truncation when the last 3 rows are deleted with sqlite', async () => {
    const { admin } = await hubWithEntries();
    expect(await verifyApi(admin)).toMatchObject({ ok: true });
    const db = openDb();
    const last = db.prepare('SELECT MAX(seq) FROM audit').pluck().get() as number;
    // A thorough attacker removes the MACs too.
    db.prepare('DELETE FROM audit WHERE seq > ?').run(last - 3);
    db.prepare('DELETE FROM audit_mac WHERE seq > ?').run(last - 3);
    db.close();
    const r = await verifyApi(admin);
    expect(r.ok).toBe(false);
    expect(r.reason).toMatch(/truncated/);
    expect(r.reason).toContain(`entry ${last} was anchored`);
    const cli = verifyCli();
    expect(cli.status).toBe(1);
    expect(cli.stderr).toMatch(/truncated/);
  }, 60_000);

  it('detects a chain recomputed with the public hash algorithm', async () => {
    const { admin } = await hubWithEntries();
    const db = openDb();
    const rows = db.prepare('SELECT * FROM audit ORDER BY seq').all() as Record<string, any>[];
    const victim = rows[Math.floor(rows.length / 2)]!.seq as number;
    let prev = '0'.repeat(64);
    const update = db.prepare('UPDATE audit SET actor_id = ?, prev_hash = ?, hash = ? WHERE seq = ?');
    db.transaction(() => {
      for (const r of rows) {
        const actorId = r.seq === victim ? 'someone-else' : r.actor_id;
        const e = {
          seq: r.seq,
          at: r.at,
          scheme: r.scheme,
          actor: { kind: r.actor_kind, id: actorId },
          action: r.action,
          object: { kind: r.object_kind, id: r.object_id },
          subjectId: r.subject_id,
          detail: r.detail ? JSON.parse(r.detail) : null,
          prevHash: prev,
        };
        const hash = entryHash(e);
        update.run(actorId, prev, hash, r.seq);
        prev = hash;
      }
    })();
    db.close();
    const r = await verifyApi(admin);
    expect(r.ok).toBe(false);
    expect(r.reason).toMatch(/recomputed|MAC/);
    expect(r.reason).toContain(`entry ${victim}`);
    const cli = verifyCli();
    expect(cli.status).toBe(1);
    expect(cli.stderr).toContain(`BROKEN at entry ${victim}`);
  }, 60_000);

  it('detects an altered or deleted anchor file, and keeps the key file 0600 outside the database', async () => {
    const { admin } = await hubWithEntries();
    const key = path.join(hub!.dataDir, 'keys', 'audit-hmac.key');
    expect(fs.statSync(key).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.dirname(key)).mode & 0o777).toBe(0o700);
    const anchorFile = path.join(hub!.dataDir, 'audit-anchor.json');
    const anchor = JSON.parse(fs.readFileSync(anchorFile, 'utf8'));
    fs.writeFileSync(anchorFile, JSON.stringify({ ...anchor, seq: anchor.seq - 2 }));
    expect((await verifyApi(admin)).reason).toMatch(/anchor file was altered/);
    fs.rmSync(anchorFile);
    expect((await verifyApi(admin)).reason).toMatch(/anchor file .* missing/);
  });

  it("reports only the caller's scheme's entry count, while checking the whole chain", async () => {
    const { admin } = await hubWithEntries();
    const cityAdmin = await login(hub!.http, 'city-admin', 'city-admin-password');
    const town = await verifyApi(admin);
    const city = await verifyApi(cityAdmin);
    const db = openDb();
    const count = (s: string) => db.prepare('SELECT COUNT(*) FROM audit WHERE scheme = ?').pluck().get(s) as number;
    expect(town).toMatchObject({ ok: true, entries: count('town') });
    expect(city).toMatchObject({ ok: true, entries: count('city') });
    expect(city.entries).toBeLessThan(town.entries);
    db.close();
  });
});
