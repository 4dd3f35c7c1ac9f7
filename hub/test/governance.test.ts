import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorBody, GallerySnapshot, Incident, type PurgeStatus, Subject, topics } from '@shopwatch/protocols';
import { enrolmentFaceRegion, enrolmentPhoto, groupPhotos } from '../../models/test/fixtures';
import { login, startTestHub } from './support/hub';
import { TestDevice } from './support/mqtt';

const ROOT = path.resolve(import.meta.dirname, '../..');

describe('gallery governance', () => {
  let hub: Awaited<ReturnType<typeof startTestHub>>;
  let coord: string, op: string, member: string, warden: string, city: string, admin: string;
  let edge: TestDevice;
  let photo: Buffer;
  const call = async (
    method: string,
    p: string,
    token: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) => {
    const res = await fetch(`${hub.http}${p}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(Buffer.isBuffer(body) ? { 'content-type': 'image/jpeg' } : { 'content-type': 'application/json' }),
        ...headers,
      },
      body:
        body === undefined ? undefined : Buffer.isBuffer(body) ? (body as unknown as BodyInit) : JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json().catch(() => null)) as any };
  };
  const incident = (token: string, statement = true) =>
    call('POST', '/api/incidents', token, {
      type: 'theft',
      occurredAt: new Date(Date.now() - 3600_000).toISOString(),
      store: 'boots',
      description: 'Took razor blades from the aisle and left without paying',
      valuePence: 8999,
      ...(statement
        ? { statement: 'I saw the man take six packs of razor blades into his jacket and walk out past the tills.' }
        : {}),
    });

  beforeAll(async () => {
    hub = await startTestHub();
    [coord, op, member, warden, city, admin] = await Promise.all([
      login(hub.http, 'coord', 'coord-password'),
      login(hub.http, 'operator', 'operator-password'),
      login(hub.http, 'boots-staff', 'boots-password'),
      login(hub.http, 'warden', 'warden-password'),
      login(hub.http, 'city-operator', 'city-password'),
      login(hub.http, 'admin', 'admin-password'),
    ]);
    const r = enrolmentFaceRegion;
    photo = await sharp(enrolmentPhoto)
      .extract({ left: r.x, top: r.y, width: r.w, height: r.h })
      .resize(340)
      .jpeg({ quality: 92 })
      .toBuffer();
    edge = await TestDevice.connect(hub.mqttPort, 'edge-boots', 'edge-boots-secret-for-tests');
    await edge.subscribe(topics.galleryVersion('town'));
  });
  afterAll(async () => {
    await edge?.end();
    await hub?.stop();
  });

  it('records incidents; a member only for their own store', async () => {
    const r = await incident(member);
    expect(r.status).toBe(201);
    expect(Incident.parse(r.json)).toMatchObject({ store: 'boots', reporter: 'boots-staff', valuePence: 8999 });
    const other = await call('POST', '/api/incidents', member, {
      type: 'theft',
      occurredAt: new Date().toISOString(),
      store: 'tesco',
      description: 'not my store',
    });
    expect(other.status).toBe(403);
    const tescoStaff = await login(hub.http, 'tesco-staff', 'tesco-password');
    expect((await call('GET', `/api/incidents/${r.json.id}`, tescoStaff)).status).toBe(404);
  });

  it('refuses enrolment without an incident, without a reason, or for someone under 18 or vulnerable', async () => {
    const withStatement = (await incident(coord)).json.id;
    const noStatement = (await incident(coord, false)).json.id;
    const base = {
      alias: 'Razor Man',
      status: 'known',
      reason: 'repeat-offending',
      incidentIds: [withStatement],
      under18: false,
      vulnerable: false,
    };
    const cases: [unknown, RegExp][] = [
      [{ ...base, incidentIds: [] }, /at least one incident/],
      [{ ...base, incidentIds: [noStatement] }, /witness statement/],
      [{ ...base, incidentIds: ['inc-nope'] }, /unknown incident/],
      [{ ...base, reason: undefined }, /reason/],
      [{ ...base, reason: 'looks suspicious' }, /reason/],
      [{ ...base, under18: true }, /under 18 or vulnerable/],
      [{ ...base, vulnerable: true }, /under 18 or vulnerable/],
      [{ ...base, ethnicity: 'white' }, /ethnicity/],
      [{ ...base, religion: 'none' }, /religion/],
    ];
    for (const [body, why] of cases) {
      const r = await call('POST', '/api/gallery/subjects', coord, body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(ErrorBody.parse(r.json).message).toMatch(why);
    }
    expect((await call('GET', '/api/gallery/subjects?state=all', coord)).json).toEqual([]);
    expect((await call('POST', '/api/gallery/subjects', op, base)).status).toBe(403);
  });

  let subject: Subject;
  it('enrols a subject and computes a template from a photo with exactly one usable face', async () => {
    const inc = (await incident(coord)).json.id;
    const r = await call('POST', '/api/gallery/subjects', coord, {
      alias: 'Razor Man',
      status: 'known',
      reason: 'repeat-offending',
      incidentIds: [inc],
      under18: false,
      vulnerable: false,
    });
    expect(r.status).toBe(201);
    subject = Subject.parse(r.json);
    expect(Date.parse(subject.expiresAt) - Date.now()).toBeGreaterThan(364 * 86400_000);

    const group = fs.readFileSync(groupPhotos[0]!.path);
    const two = await call('POST', `/api/gallery/subjects/${subject.id}/photos?source=test`, coord, group);
    expect(two.status).toBe(400);
    expect(two.json.message).toMatch(/holds 3 faces/);
    const notAnImage = await call(
      'POST',
      `/api/gallery/subjects/${subject.id}/photos?source=test`,
      coord,
      Buffer.from('not a jpeg at all'),
    );
    expect(notAnImage.status).toBe(415);
    const tiny = await sharp(photo).resize(60).jpeg().toBuffer();
    const small = await call('POST', `/api/gallery/subjects/${subject.id}/photos?source=test`, coord, tiny);
    expect(small.status).toBe(400);
    expect(small.json.message).toMatch(/no face|px across/);

    const versionBefore = await hub.services.galleryRepo.version('town');
    const ok = await call(
      'POST',
      `/api/gallery/subjects/${subject.id}/photos?source=${encodeURIComponent('CCTV still, Boots, 2026-11-02')}`,
      coord,
      photo,
    );
    expect(ok.status).toBe(201);
    subject = Subject.parse(ok.json);
    expect(subject.photos).toHaveLength(1);
    expect(subject.templates).toBe(1);
    expect(subject.photos[0]!.face.box.w).toBeGreaterThan(60);
    await edge.waitFor((m) => m.json?.version > versionBefore, 3000, 'a new gallery version');
    const auth = `Basic ${Buffer.from('edge-boots:edge-boots-secret-for-tests').toString('base64')}`;
    const snap = GallerySnapshot.parse(
      await (await fetch(`${hub.http}/api/edge/gallery`, { headers: { authorization: auth } })).json(),
    );
    expect(snap.templates.map((t) => t.subjectId)).toEqual([subject.id]);
    expect(JSON.stringify(snap)).not.toContain(photo.toString('base64').slice(0, 40));
  }, 60_000);

  it('lets members and wardens view the gallery of their scheme, audited, and another scheme nothing', async () => {
    expect((await call('GET', `/api/gallery/subjects/${subject.id}`, warden)).status).toBe(200);
    const img = await fetch(`${hub.http}/api/gallery/subjects/${subject.id}/photos/${subject.photos[0]!.id}`, {
      headers: { authorization: `Bearer ${member}` },
    });
    expect(img.status).toBe(200);
    // The hub re-encodes photos (no metadata survives): the served bytes are the stored ones.
    const served = Buffer.from(await img.arrayBuffer());
    expect(img.headers.get('x-content-sha256')).toBe(subject.photos[0]!.sha256);
    expect(crypto.createHash('sha256').update(served).digest('hex')).toBe(subject.photos[0]!.sha256);
    expect(await sharp(served).metadata()).toMatchObject({ format: 'jpeg', width: 340 });
    const views = await hub.services.audit.list({ scheme: 'town', subjectId: subject.id });
    expect(views.filter((e) => e.action === 'view').map((e) => `${e.actor.id}:${e.object.kind}`)).toEqual(
      expect.arrayContaining(['warden:subject', 'boots-staff:photo']),
    );
    expect((await call('GET', `/api/gallery/subjects/${subject.id}`, city)).status).toBe(404);
    expect(
      (await call('GET', `/api/gallery/subjects/${subject.id}/photos/${subject.photos[0]!.id}`, city)).status,
    ).toBe(404);
    expect((await call('GET', '/api/gallery/subjects', city)).json).toEqual([]);
    expect((await call('GET', '/api/audit', member)).status).toBe(403);
  });

  it('issues exclusion notices with an appeal route, records appeals and acts on the decision', async () => {
    const now = Date.now();
    const r = await call('POST', '/api/exclusions', coord, {
      subjectId: subject.id,
      stores: ['boots', 'coop'],
      startsAt: new Date(now).toISOString(),
      endsAt: new Date(now + 180 * 86400_000).toISOString(),
      decidedBy: 'J. Smith, scheme coordinator',
      appealRoute: 'Write to the BCRP office within 28 days, or email appeals@example.org',
    });
    expect(r.status).toBe(201);
    expect(
      (
        await call('POST', '/api/exclusions', coord, {
          subjectId: subject.id,
          stores: ['harrods'],
          startsAt: new Date(now).toISOString(),
          endsAt: new Date(now + 1000).toISOString(),
          decidedBy: 'J. Smith',
          appealRoute: 'Write to the office within 28 days',
        })
      ).status,
    ).toBe(400);
    const ap = await call('POST', `/api/exclusions/${r.json.id}/events`, coord, {
      kind: 'appeal',
      text: 'Subject says he was elsewhere that day; provided a bus ticket.',
    });
    expect(ap.json.events).toHaveLength(1);
    const d = await call('POST', `/api/exclusions/${r.json.id}/decision`, coord, {
      outcome: 'varied',
      text: 'Appeal partly upheld: Co-op removed from the notice.',
      stores: ['boots'],
    });
    expect(d.json).toMatchObject({ stores: ['boots'], status: 'active' });
    const w = await call('POST', `/api/exclusions/${r.json.id}/decision`, coord, {
      outcome: 'withdrawn',
      text: 'Early review: no incidents in 3 months.',
    });
    expect(w.json.status).toBe('withdrawn');
    expect(w.json.events.map((e: any) => e.kind)).toEqual(['appeal', 'decision', 'decision']);
  });

  it('renews an entry when a new incident is linked', async () => {
    const db = new Database(path.join(hub.dataDir, 'shopwatch.db'));
    db.prepare('UPDATE subjects SET expires_at = ? WHERE id = ?').run(
      new Date(Date.now() + 86400_000).toISOString(),
      subject.id,
    );
    db.close();
    const inc = (await incident(coord)).json.id;
    const r = await call('POST', `/api/gallery/subjects/${subject.id}/incidents`, coord, { incidentId: inc });
    expect(r.status).toBe(200);
    expect(Date.parse(r.json.expiresAt) - Date.now()).toBeGreaterThan(364 * 86400_000);
    expect(r.json.incidentIds).toContain(inc);
  });

  it('on expiry deletes photos and templates, tells edge boxes, and tracks which confirmed the purge', async () => {
    const photoDir = path.join(hub.dataDir, 'gallery', subject.id);
    expect(fs.readdirSync(photoDir)).toHaveLength(1);
    const db = new Database(path.join(hub.dataDir, 'shopwatch.db'));
    db.prepare('UPDATE subjects SET expires_at = ? WHERE id = ?').run(
      new Date(Date.now() - 1000).toISOString(),
      subject.id,
    );
    db.close();
    const before = await hub.services.galleryRepo.version('town');
    await hub.services.governance.subjects.expireDue();
    expect(fs.existsSync(photoDir)).toBe(false);
    expect(await hub.services.galleryRepo.count(subject.id)).toBe(0);
    const msg = await edge.waitFor((m) => m.json?.version > before, 3000, 'the purge version');
    const s = Subject.parse((await call('GET', `/api/gallery/subjects/${subject.id}`, coord)).json);
    expect(s).toMatchObject({ state: 'expired', templates: 0 });
    expect(s.photos.every((p) => p.deleted)).toBe(true);
    let purges = (await call('GET', '/api/gallery/purges', coord)).json as PurgeStatus[];
    expect(purges[0]).toMatchObject({ subjectId: subject.id, confirmedBy: [], pending: ['edge-boots'] });
    // The edge box applies the new version and says so.
    await edge.publish(topics.galleryApplied('town', 'edge-boots'), { version: msg.json.version, templates: 0 });
    purges = (await call('GET', '/api/gallery/purges', coord)).json as PurgeStatus[];
    expect(purges[0]).toMatchObject({ confirmedBy: ['edge-boots'], pending: [] });
  });

  it('keeps a hash-chained audit log that verifies, and names the first tampered entry', async () => {
    await call('POST', '/api/audit/disclosures', coord, {
      subjectId: subject.id,
      to: 'PC 1234 Jones',
      organisation: 'Sussex Police',
      why: 'Investigation of theft at Boots on 2 Nov',
    });
    expect((await call('GET', '/api/audit/verify', admin)).json).toMatchObject({ ok: true });
    const env = { ...process.env, SHOPWATCH_DATA_DIR: hub.dataDir };
    const ok = spawnSync(process.execPath, ['--import', 'tsx', 'hub/src/main.ts', 'audit', 'verify'], {
      cwd: ROOT,
      env,
      encoding: 'utf8',
    });
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/audit log intact: \d+ entries/);

    // SAR export before tampering: the subject's records and the audit entries about them.
    const out = path.join(hub.dataDir, 'sar.json');
    const sar = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'hub/src/main.ts', 'sar', '--subject', subject.id, '--out', out],
      { cwd: ROOT, env, encoding: 'utf8' },
    );
    expect(sar.status, sar.stderr).toBe(0);
    const data = JSON.parse(fs.readFileSync(out, 'utf8'));
    expect(data.subject).toMatchObject({ id: subject.id, alias: 'Razor Man', state: 'expired' });
    expect(data.incidents.length).toBeGreaterThanOrEqual(2);
    expect(data.exclusions).toHaveLength(1);
    expect(data.audit.map((e: any) => e.action)).toEqual(
      expect.arrayContaining(['create', 'view', 'purge', 'disclose']),
    );
    expect(data.audit.find((e: any) => e.action === 'disclose').detail).toMatchObject({
      organisation: 'Sussex Police',
    });
    const viaApi = await call('GET', `/api/gallery/subjects/${subject.id}/sar`, admin);
    expect(viaApi.json.subject.id).toBe(subject.id);
    expect((await call('GET', `/api/gallery/subjects/${subject.id}/sar`, coord)).status).toBe(403);

    const db = new Database(path.join(hub.dataDir, 'shopwatch.db'));
    const victim = db.prepare("SELECT seq FROM audit WHERE action = 'disclose'").pluck().get() as number;
    db.prepare('UPDATE audit SET detail = \'{"to":"nobody"}\' WHERE seq = ?').run(victim);
    db.close();
    const bad = spawnSync(process.execPath, ['--import', 'tsx', 'hub/src/main.ts', 'audit', 'verify'], {
      cwd: ROOT,
      env,
      encoding: 'utf8',
    });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain(`BROKEN at entry ${victim}`);
  }, 60_000);
});
