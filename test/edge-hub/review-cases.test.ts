import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertEvent, type AlertWithDeliveries, ReviewCase, ReviewCaseDetail, topics } from '@shopwatch/protocols';
import { HubUplink } from '../../edge-agent/src/uplink/mqtt-uplink';
import { createLogger } from '../../edge-agent/src/log';
import { addSubject, candidateItem } from './support/evidence';
import { login, startTestHub, tempDir } from '../../hub/test/support/hub';
import { TestDevice, sleep } from '../../hub/test/support/mqtt';

const MIN = 60_000;

describe('review cases: sightings of one subject at one store are decided once', () => {
  let hub: Awaited<ReturnType<typeof startTestHub>>;
  let edge: HubUplink;
  let boots: TestDevice, tesco: TestDevice;
  let op: string, cityOp: string;
  const dir = tempDir();
  const api = async (p: string, token: string, body?: unknown) => {
    const res = await fetch(`${hub.http}${p}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json().catch(() => null)) as any };
  };
  /** A candidate as the edge box sends it, seen at `when` (ms) at `camera`, with `score`. */
  const sighting = async (id: string, when: number, score: number, camera = 'cam-1') => {
    const item = await candidateItem(dir, id);
    const at = new Date(when).toISOString();
    Object.assign(item.payload as object, { capturedAt: at, firstSeenAt: at, score, cameraId: camera });
    await edge.deliver(item);
  };
  const galleryAlerts = async () =>
    ((await api('/api/alerts', op)).json as AlertWithDeliveries[]).filter((a) => a.type === 'gallery-match');

  beforeAll(async () => {
    hub = await startTestHub();
    await addSubject(hub, 'subj-1');
    boots = await TestDevice.connect(hub.mqttPort, 'radio-boots', 'radio-boots-secret-for-tests');
    await boots.subscribe(topics.zoneAlerts('town', 'north'));
    tesco = await TestDevice.connect(hub.mqttPort, 'radio-tesco', 'radio-tesco-secret-for-tests');
    await tesco.subscribe(topics.zoneAlerts('town', 'south'));
    const http = { baseUrl: hub.http, deviceId: 'edge-boots', secret: 'edge-boots-secret-for-tests' };
    const mqttUrl = `mqtt://127.0.0.1:${hub.mqttPort}`;
    edge = new HubUplink({ mqttUrl, http, scheme: 'town', log: createLogger('test:edge'), onGalleryVersion: () => {} });
    await new Promise((r) => edge.client.once('connect', r));
    op = await login(hub.http, 'operator', 'operator-password');
    cityOp = await login(hub.http, 'city-operator', 'city-password');
  });
  afterAll(async () => {
    await edge?.close();
    await Promise.all([boots, tesco].map((d) => d?.end()));
    await hub?.stop();
  });

  let caseId = '';
  let alertId = '';

  it('groups 9 candidates of one subject at one store in 13 minutes into one case with 9 sightings', async () => {
    // Oldest first, every 97.5 s: 13 minutes from the first to the ninth.
    const t0 = Date.now() - 13 * MIN;
    for (let i = 0; i < 9; i++) await sighting(`sight-0${i + 1}`, t0 + i * 97_500, i === 4 ? 0.91 : 0.7 + i / 100);
    const list = await api('/api/review/cases', op);
    expect(list.status).toBe(200);
    const cases = list.json.map((c: unknown) => ReviewCase.parse(c));
    expect(cases).toHaveLength(1);
    const k = cases[0]!;
    expect(k).toMatchObject({
      status: 'open',
      sightings: 9,
      pending: 9,
      bestScore: 0.91,
      bestCandidateId: 'sight-05',
      store: 'boots',
      subjectId: 'subj-1',
      subjectAlias: 'Razor Man',
      cameras: ['cam-1'],
    });
    expect(Date.parse(k.lastSeenAt) - Date.parse(k.firstSeenAt)).toBe(13 * MIN);
    caseId = k.id;
    const detail = ReviewCaseDetail.parse((await api(`/api/review/cases/${caseId}`, op)).json);
    expect(detail.candidates.map((c) => c.id)).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1].map((i) => `sight-0${i}`));
    expect(detail.candidates.every((c) => c.caseId === caseId && c.status === 'pending')).toBe(true);
    // Opening the case is audited; nothing went to any store.
    const audit = await hub.services.audit.list({ scheme: 'town', subjectId: 'subj-1' });
    expect(audit.some((e) => e.object.kind === 'case' && e.actor.id === 'operator')).toBe(true);
    expect(boots.events()).toHaveLength(0);
  });

  it('shows another scheme nothing of the case', async () => {
    expect((await api('/api/review/cases', cityOp)).json).toEqual([]);
    expect((await api(`/api/review/cases/${caseId}`, cityOp)).status).toBe(404);
    const confirm = { verdict: 'confirm', reason: 'not mine to decide' };
    expect((await api(`/api/review/cases/${caseId}/decision`, cityOp, confirm)).status).toBe(404);
  });

  it('raises ONE alert when the case is confirmed, with every sighting pointing at it', async () => {
    const confirm = { verdict: 'confirm', reason: 'same face and jacket as the enrolment photo' };
    const res = await api(`/api/review/cases/${caseId}/decision`, op, confirm);
    expect(res.status).toBe(200);
    const k = ReviewCaseDetail.parse(res.json);
    expect(k).toMatchObject({ status: 'confirmed', decidedBy: 'operator', sightings: 9, pending: 0 });
    alertId = k.alertId!;
    expect(k.candidates.every((c) => c.status === 'confirmed' && c.alertId === alertId)).toBe(true);
    const raised = await boots.waitForEvent('raised', alertId);
    expect(raised.alert.match).toMatchObject({
      subjectId: 'subj-1',
      alias: 'Razor Man',
      caseId,
      candidateId: 'sight-05',
      cameraId: 'cam-1',
    });
    await sleep(300);
    expect(boots.events().filter((e) => e.event === 'raised')).toHaveLength(1);
    expect(await galleryAlerts()).toHaveLength(1);
    // Deciding again is refused: the case is decided.
    const again = { verdict: 'reject', reason: 'changed my mind' };
    expect((await api(`/api/review/cases/${caseId}/decision`, op, again)).status).toBe(409);
  });

  it('adds "seen again" to the alert for a 10th sighting after the confirm, on the zone topic', async () => {
    // A third-party radio gateway (Debian's mosquitto_sub) on the same zone topic hears it too.
    const cli = spawn('mosquitto_sub', [
      '-h',
      '127.0.0.1',
      '-p',
      String(hub.mqttPort),
      '-u',
      'radio-coop',
      '-P',
      'radio-coop-secret-for-tests',
      '-q',
      '1',
      '-t',
      topics.zoneAlerts('town', 'north'),
      '-C',
      '100',
      '-W',
      '20',
    ]);
    let out = '';
    cli.stdout.on('data', (d) => (out += d));
    await sleep(500); // let it subscribe
    await sighting('sight-10', Date.now(), 0.8, 'cam-2');
    const msg = await boots.waitFor((m) => m.json?.event === 'updated' && m.json.alert.id === alertId);
    // Whole lines only: the last one may still be arriving.
    const heard = () =>
      out
        .split('\n')
        .slice(0, -1)
        .map((l) => JSON.parse(l) as AlertEvent)
        .find((e) => e.event === 'updated' && e.alert.id === alertId);
    for (const until = Date.now() + 5000; !heard() && Date.now() < until; ) await sleep(50);
    cli.kill();
    expect(heard()?.alert.timeline.at(-1)?.note).toMatch(/^Seen again at camera cam-2/);
    const ev = AlertEvent.parse(msg.json);
    const last = ev.alert.timeline.at(-1)!;
    expect(last).toMatchObject({ kind: 'updated', actor: { kind: 'hub' } });
    expect(last.note).toMatch(/^Seen again at camera cam-2 at \d\d:\d\d UTC/);
    expect(ev.seq).toBe(last.seq);
    const alerts = await galleryAlerts();
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.timeline.map((t) => t.kind)).toEqual(['raised', 'updated']);
    const k = ReviewCase.parse((await api(`/api/review/cases/${caseId}`, op)).json);
    expect(k).toMatchObject({ sightings: 10, pending: 1, cameras: ['cam-1', 'cam-2'] });
    // The other zone's radio heard nothing of it.
    await sleep(300);
    expect(tesco.events()).toHaveLength(0);
  });

  it('tells the alert when a reviewer rejects that sighting, and deletes its media', async () => {
    const reject = { verdict: 'reject', reason: 'a different man in a similar coat' };
    const res = await api('/api/review/sight-10/decision', op, reject);
    expect(res.status).toBe(200);
    const rejectedNote = (m: { json: any }) => /rejected by/.test(m.json?.alert?.timeline?.at(-1)?.note ?? '');
    const ev = await boots.waitFor((m) => m.json?.event === 'updated' && rejectedNote(m));
    expect(ev.json.alert.id).toBe(alertId);
    expect(fs.existsSync(path.join(hub.dataDir, 'evidence', 'sight-10'))).toBe(false);
  });

  it('opens a new case once the alert is closed, and raises nothing until it is confirmed', async () => {
    expect((await api(`/api/alerts/${alertId}/close`, op, { outcome: 'left-area' })).status).toBe(200);
    await sighting('sight-11', Date.now(), 0.75);
    const open = (await api('/api/review/cases', op)).json as ReviewCase[];
    expect(open).toHaveLength(1);
    expect(open[0]).toMatchObject({ status: 'open', sightings: 1, bestCandidateId: 'sight-11' });
    expect(open[0]!.id).not.toBe(caseId);
    await sleep(300);
    expect(boots.events().filter((e) => e.event === 'raised')).toHaveLength(1);
    // A rejected case deletes the media of every sighting in it.
    const reject = { verdict: 'reject', reason: 'not the subject' };
    const rej = await api(`/api/review/cases/${open[0]!.id}/decision`, op, reject);
    expect(rej.status).toBe(200);
    expect(rej.json).toMatchObject({ status: 'rejected', pending: 0 });
    expect(fs.existsSync(path.join(hub.dataDir, 'evidence', 'sight-11'))).toBe(false);
  });

  it('refuses a bad case status filter with a clear error', async () => {
    const r = await api('/api/review/cases?status=maybe', op);
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ code: 'bad_request' });
  });
});
