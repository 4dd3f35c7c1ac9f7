import crypto from 'node:crypto';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertEvent, AlertMatch, FieldGallery, Subject, SubjectHit, topics } from '@shopwatch/protocols';
import { HubUplink } from '../../edge-agent/src/uplink/mqtt-uplink';
import { createLogger } from '../../edge-agent/src/log';
import { enrolmentFaceRegion, enrolmentPhoto } from '../../models/test/fixtures';
import { candidateItem } from './support/evidence';
import { login, startTestHub, tempDir } from '../../hub/test/support/hub';
import { TestDevice, sleep } from '../../hub/test/support/mqtt';

const sha = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');

describe('a match alert carries what staff can act on, by reference, authorised and audited', () => {
  let hub: Awaited<ReturnType<typeof startTestHub>>;
  let edge: HubUplink;
  let boots: TestDevice, tesco: TestDevice;
  let coord: string, op: string, member: string, tescoStaff: string, warden: string, city: string;
  let subject: Subject;
  let exclusionId: string;
  const dir = tempDir();
  const call = async (method: string, p: string, token: string | null, body?: unknown) => {
    const res = await fetch(`${hub.http}${p}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        'content-type': Buffer.isBuffer(body) ? 'image/jpeg' : 'application/json',
      },
      body:
        body === undefined ? undefined : Buffer.isBuffer(body) ? (body as unknown as BodyInit) : JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json().catch(() => null)) as any };
  };
  const bytes = async (p: string, token: string) => {
    const res = await fetch(`${hub.http}${p}`, { headers: { authorization: `Bearer ${token}` } });
    return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
  };
  const viewsBy = async (user: string) =>
    (await hub.services.audit.list({ scheme: 'town', subjectId: subject.id }))
      .filter((e) => e.action === 'view' && e.actor.id === user)
      .map((e) => `${e.object.kind}:${e.object.id}`);

  beforeAll(async () => {
    hub = await startTestHub();
    [coord, op, member, tescoStaff, warden, city] = await Promise.all([
      login(hub.http, 'coord', 'coord-password'),
      login(hub.http, 'operator', 'operator-password'),
      login(hub.http, 'boots-staff', 'boots-password'),
      login(hub.http, 'tesco-staff', 'tesco-password'),
      login(hub.http, 'warden', 'warden-password'),
      login(hub.http, 'city-operator', 'city-password'),
    ]);
    // Enrolled as a coordinator would: an incident with a statement, then a real face photo.
    const inc = await call('POST', '/api/incidents', coord, {
      type: 'theft',
      occurredAt: new Date(Date.now() - 3600_000).toISOString(),
      store: 'boots',
      description: 'Took razor blades and left without paying',
      statement: 'I saw him put six packs of blades in his coat and walk out.',
    });
    const s = await call('POST', '/api/gallery/subjects', coord, {
      alias: 'Razor Man',
      status: 'known',
      reason: 'repeat-offending',
      incidentIds: [inc.json.id],
      under18: false,
      vulnerable: false,
    });
    const r = enrolmentFaceRegion;
    const photo = await sharp(enrolmentPhoto)
      .extract({ left: r.x, top: r.y, width: r.w, height: r.h })
      .resize(340)
      .jpeg({ quality: 92 })
      .toBuffer();
    const source = encodeURIComponent('CCTV still, Boots');
    const withPhoto = await call('POST', `/api/gallery/subjects/${s.json.id}/photos?source=${source}`, coord, photo);
    expect(withPhoto.status).toBe(201);
    subject = Subject.parse(withPhoto.json);
    const now = Date.now();
    const x = await call('POST', '/api/exclusions', coord, {
      subjectId: subject.id,
      stores: ['boots'],
      startsAt: new Date(now - 60_000).toISOString(),
      endsAt: new Date(now + 90 * 86400_000).toISOString(),
      decidedBy: 'J. Smith, scheme coordinator',
      appealRoute: 'Write to the BCRP office within 28 days',
    });
    expect(x.status).toBe(201);
    exclusionId = x.json.id;
    boots = await TestDevice.connect(hub.mqttPort, 'radio-boots', 'radio-boots-secret-for-tests');
    await boots.subscribe(topics.zoneAlerts('town', 'north'));
    tesco = await TestDevice.connect(hub.mqttPort, 'radio-tesco', 'radio-tesco-secret-for-tests');
    await tesco.subscribe(topics.zoneAlerts('town', 'south'));
    const http = { baseUrl: hub.http, deviceId: 'edge-boots', secret: 'edge-boots-secret-for-tests' };
    const mqttUrl = `mqtt://127.0.0.1:${hub.mqttPort}`;
    edge = new HubUplink({ mqttUrl, http, scheme: 'town', log: createLogger('test:edge'), onGalleryVersion: () => {} });
    await new Promise((r) => edge.client.once('connect', r));
  }, 90_000);
  afterAll(async () => {
    await edge?.close();
    await Promise.all([boots, tesco].map((d) => d?.end()));
    await hub?.stop();
  });

  let alertId = '';
  let match: AlertMatch;
  let cropSha = '';

  it('confirms a match into an alert whose radio payload has alias, place, reason, URL and notice', async () => {
    const item = await candidateItem(dir, 'match-0001', subject.id);
    cropSha = (item.payload as { crop: { sha256: string } }).crop.sha256;
    await edge.deliver(item);
    const [k] = (await call('GET', '/api/review/cases', op)).json;
    const confirm = { verdict: 'confirm', reason: 'same face as the enrolment photo' };
    const res = await call('POST', `/api/review/cases/${k.id}/decision`, op, confirm);
    expect(res.status).toBe(200);
    alertId = res.json.alertId;
    const msg = await boots.waitFor((m) => m.json?.event === 'raised' && m.json.alert.id === alertId);
    const ev = AlertEvent.parse(msg.json);
    match = AlertMatch.parse(ev.alert.match);
    expect(match).toMatchObject({
      subjectId: subject.id,
      alias: 'Razor Man',
      reason: 'repeat-offending',
      caseId: k.id,
      candidateId: 'match-0001',
      cameraId: 'cam-1',
      photoUrl: `/api/alerts/${alertId}/match/photo`,
      cropUrl: `/api/alerts/${alertId}/match/crop`,
      url: `/api/alerts/${alertId}/match`,
    });
    expect(match.text).toBe('Razor Man at Boots, camera cam-1 (repeat offending)');
    expect(match.exclusions.map((e) => e.id)).toEqual([exclusionId]);
    expect(Date.parse(match.seenAt!)).toBe(Date.parse((item.payload as { capturedAt: string }).capturedAt));
    // By reference: no picture travels on the radio channel.
    expect(msg.payload.length).toBeLessThan(3000);
    expect(msg.payload).not.toMatch(/base64|data:image/);
  });

  it('serves the photo and the crop to the store it was sent to: never cached, every fetch audited', async () => {
    const photo = await bytes(match.photoUrl!, member);
    expect(photo.status).toBe(200);
    expect(photo.headers.get('content-type')).toBe('image/jpeg');
    expect(photo.headers.get('cache-control')).toBe('no-store');
    expect(sha(photo.body)).toBe(subject.photos[0]!.sha256);
    const crop = await bytes(match.cropUrl!, member);
    expect(crop.status).toBe(200);
    expect(crop.headers.get('cache-control')).toBe('no-store');
    expect(sha(crop.body)).toBe(cropSha);
    const ref = await call('GET', match.url, member);
    expect(AlertMatch.parse(ref.json)).toEqual(match);
    expect(await viewsBy('boots-staff')).toEqual(
      expect.arrayContaining([
        `photo:${subject.photos[0]!.id}`,
        `alert:${alertId}/match/photo`,
        'evidence:match-0001/crop.jpg',
        `alert:${alertId}/match`,
      ]),
    );
    const custody = await hub.services.evidenceRepo.custodyLog('match-0001');
    expect(custody.some((e) => e.action === 'viewed' && e.actor === 'user:boots-staff')).toBe(true);
  });

  it('shows nothing to a reader the alert was not for (another zone, another scheme, no token)', async () => {
    for (const token of [tescoStaff, city]) {
      for (const p of [match.photoUrl!, match.cropUrl!, match.url]) expect((await bytes(p, token)).status, p).toBe(404);
    }
    expect((await call('GET', match.photoUrl!, null)).status).toBe(401);
    expect(await viewsBy('tesco-staff')).toEqual([]);
    expect(await viewsBy('city-operator')).toEqual([]);
  });

  it('lets a "known offender" alert raised by hand pick the subject by alias and carry the reference', async () => {
    const hits = await call('GET', '/api/gallery/search?q=razor', member);
    expect(hits.status).toBe(200);
    expect(hits.json.map((h: unknown) => SubjectHit.parse(h))).toEqual([
      { id: subject.id, alias: 'Razor Man', status: 'known', reason: 'repeat-offending' },
    ]);
    expect((await call('GET', '/api/gallery/search?q=razor', city)).json).toEqual([]);
    expect((await call('GET', '/api/gallery/search?q=', member)).status).toBe(400);

    const raise = { type: 'known-offender', severity: 'high', subjectId: subject.id, clientRef: 'ko-1' };
    const r = await call('POST', '/api/alerts', member, raise);
    expect(r.status).toBe(201);
    const msg = await boots.waitFor((m) => m.json?.event === 'raised' && m.json.alert.id === r.json.id);
    const ev = AlertEvent.parse(msg.json);
    expect(ev.alert.match).toMatchObject({
      subjectId: subject.id,
      alias: 'Razor Man',
      reason: 'repeat-offending',
      cropUrl: null,
      caseId: null,
      photoUrl: `/api/alerts/${r.json.id}/match/photo`,
      text: 'Razor Man at Boots (repeat offending)',
    });
    expect(ev.alert.match!.exclusions.map((e) => e.id)).toEqual([exclusionId]);
    expect((await bytes(ev.alert.match!.photoUrl!, warden)).status).toBe(200);

    // An unknown subject is refused with a clear error, and nothing is raised.
    const before = boots.events().length;
    const unknown = { type: 'known-offender', severity: 'high', subjectId: 'subj-nope', clientRef: 'ko-2' };
    const bad = await call('POST', '/api/alerts', member, unknown);
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ code: 'bad_request', message: expect.stringMatching(/unknown gallery subject/) });
    await sleep(300);
    expect(boots.events().length).toBe(before);
    const all = (await call('GET', '/api/alerts', op)).json as { clientRef: string }[];
    expect(all.some((a) => a.clientRef === 'ko-2')).toBe(false);
  });

  it('lets a radio raise about a subject over MQTT; an unknown subject is refused, relayed to no one', async () => {
    const coop = await TestDevice.connect(hub.mqttPort, 'radio-coop', 'radio-coop-secret-for-tests');
    try {
      await coop.subscribe(topics.zoneAlerts('town', 'north'));
      await boots.subscribe(topics.deviceErrors('town', 'radio-boots'));
      const raise = { type: 'known-offender', severity: 'high' };
      await boots.publish(topics.alertRaise('town'), { ...raise, subjectId: 'subj-nope', clientRef: 'mq-1' });
      const refused = (m: { topic: string; json: any }) => /unknown gallery subject/.test(m.json?.message ?? '');
      const err = await boots.waitFor((m) => m.topic.endsWith('/errors') && refused(m));
      expect(err.json).toMatchObject({ code: 'bad_request' });
      await boots.publish(topics.alertRaise('town'), { ...raise, subjectId: subject.id, clientRef: 'mq-2' });
      // The other store's radio hears the valid raise with its reference, and never the refused one.
      const ev = AlertEvent.parse((await coop.waitFor((m) => m.json?.alert?.clientRef === 'mq-2')).json);
      expect(ev.alert).toMatchObject({ clientRef: 'mq-2', raisedBy: { kind: 'device', id: 'radio-boots' } });
      expect(ev.alert.match?.text).toBe('Razor Man at Boots (repeat offending)');
      await sleep(300);
      // (Its catch-up replays earlier alerts too; none of them is the refused raise.)
      expect(coop.events().map((e) => e.alert.clientRef)).not.toContain('mq-1');
      const all = (await call('GET', '/api/alerts', op)).json as { clientRef: string }[];
      expect(all.some((a) => a.clientRef === 'mq-1')).toBe(false);
    } finally {
      await coop.end();
    }
  });

  it('gives staff and wardens a field gallery with the notices covering their store, audited', async () => {
    const res = await fetch(`${hub.http}/api/field/gallery`, { headers: { authorization: `Bearer ${member}` } });
    expect(res.headers.get('cache-control')).toBe('no-store');
    const mine = FieldGallery.parse(await res.json());
    expect(mine.store).toBe('boots');
    expect(mine.subjects).toEqual([
      expect.objectContaining({ id: subject.id, alias: 'Razor Man', reason: 'repeat-offending' }),
    ]);
    const photoPath = `/api/gallery/subjects/${subject.id}/photos/${subject.photos[0]!.id}`;
    expect(mine.subjects[0]!.photoUrls).toEqual([photoPath]);
    expect(mine.subjects[0]!.exclusions.map((e) => e.id)).toEqual([exclusionId]);
    // The notice covers Boots only: Tesco's staff see the subject, not the notice; a warden sees every notice.
    const theirs = FieldGallery.parse((await call('GET', '/api/field/gallery', tescoStaff)).json);
    expect(theirs.subjects[0]!.exclusions).toEqual([]);
    const patrol = FieldGallery.parse((await call('GET', '/api/field/gallery', warden)).json);
    expect(patrol.subjects[0]!.exclusions.map((e) => e.id)).toEqual([exclusionId]);
    expect(FieldGallery.parse((await call('GET', '/api/field/gallery', city)).json).subjects).toEqual([]);
    const lists = await hub.services.audit.list({ scheme: 'town', objectKind: 'subject', objectId: '*field-gallery*' });
    expect(lists.map((e) => e.actor.id).sort()).toEqual(['boots-staff', 'tesco-staff', 'warden']);
    const img = await bytes(mine.subjects[0]!.photoUrls[0]!, tescoStaff);
    expect(img.status).toBe(200);
    expect(img.headers.get('cache-control')).toBe('no-store');
    expect(await viewsBy('tesco-staff')).toEqual([`photo:${subject.photos[0]!.id}`]);
  });
});
