import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorBody } from '@shopwatch/protocols';
import { login, startTestHub } from '../support/hub';

/**
 * An incident report may cite an alert and evidence. Citing another scheme's records would link
 * them into this scheme's reports (and later its disclosures): refused, and nothing stored.
 * Seen from the other scheme: its alert and candidate ids are not accepted by a foreign report.
 */
describe("incidents refuse another scheme's alert and evidence", () => {
  let hub: Awaited<ReturnType<typeof startTestHub>>;
  let townAlert: string;
  const candidateId = 'cand-town-1';
  beforeAll(async () => {
    hub = await startTestHub();
    const op = await login(hub.http, 'operator', 'operator-password');
    const res = await fetch(`${hub.http}/api/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${op}` },
      body: JSON.stringify({ type: 'shoplifting', severity: 'low', store: 'boots', clientRef: 'town-alert' }),
    });
    townAlert = ((await res.json()) as { id: string }).id;
    const now = new Date().toISOString();
    const sha = 'a'.repeat(64);
    await hub.services.evidenceRepo.addCandidate({
      scheme: 'town',
      deviceId: 'edge-boots',
      store: 'boots',
      zone: 'north',
      receivedAt: now,
      report: {
        kind: 'candidate',
        candidateId,
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
        crop: { file: 'crop.jpg', sha256: sha, bytes: 1000, type: 'image/jpeg', box: { x: 1, y: 1, w: 60, h: 60 } },
        frame: { file: 'frame.jpg', sha256: sha, bytes: 1000, type: 'image/jpeg', width: 640, height: 480 },
      },
    });
  });
  afterAll(async () => hub?.stop());

  const incidents = () => {
    const db = new Database(path.join(hub.dataDir, 'shopwatch.db'), { readonly: true });
    try {
      return db.prepare('SELECT COUNT(*) FROM incidents').pluck().get() as number;
    } finally {
      db.close();
    }
  };
  const record = async (token: string, extra: Record<string, unknown>) =>
    fetch(`${hub.http}/api/incidents`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({
        type: 'theft',
        occurredAt: new Date().toISOString(),
        description: 'took goods',
        ...extra,
      }),
    });

  it('a city operator cannot cite a town alert or town evidence; nothing is stored', async () => {
    const city = await login(hub.http, 'city-operator', 'city-password');
    const before = incidents();
    // The alert an incident is reported from must be one the reporter can see: another scheme's
    // alert is "not found", like every other scheme's data.
    const byAlert = await record(city, { store: 'argos', alertId: townAlert });
    expect(byAlert.status).toBe(404);
    expect(ErrorBody.parse(await byAlert.json()).message).toMatch(/alert/);
    const byEvidence = await record(city, { store: 'argos', evidenceIds: [candidateId, `${candidateId}/crop.jpg`] });
    expect(byEvidence.status).toBe(400);
    expect(ErrorBody.parse(await byEvidence.json()).message).toMatch(/evidenceIds\.0/);
    // An unknown id gets the same answer as a foreign one: ids of other schemes cannot be probed.
    const unknown = await record(city, { store: 'argos', alertId: 'alert-that-does-not-exist' });
    expect(unknown.status).toBe(byAlert.status);
    expect(incidents()).toBe(before);
  });

  it('the town itself can cite them', async () => {
    const coord = await login(hub.http, 'coord', 'coord-password');
    const evidenceIds = [candidateId, `${candidateId}/crop.jpg`];
    const res = await record(coord, { store: 'boots', alertId: townAlert, evidenceIds });
    expect(res.status).toBe(201);
  });
});
