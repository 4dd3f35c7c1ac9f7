import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login, startTestHub } from '../support/hub';

const BIDI = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/;

/**
 * Exports are read by people in viewers that obey bidi controls: an alias such as
 * "Tesco\u202Eevil" would display reordered. The subject access export writes them as escapes:
 * the raw text holds none, and parsing gives back exactly what was stored.
 */
describe('bidi controls in exports', () => {
  let hub: Awaited<ReturnType<typeof startTestHub>>;
  beforeAll(async () => {
    hub = await startTestHub();
  });
  afterAll(async () => hub?.stop());

  it('the subject access export escapes them and loses nothing', async () => {
    const coord = await login(hub.http, 'coord', 'coord-password');
    const admin = await login(hub.http, 'admin', 'admin-password');
    const post = async (p: string, body: unknown) => {
      const res = await fetch(`${hub.http}${p}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${coord}` },
        body: JSON.stringify(body),
      });
      expect(res.status, p).toBe(201);
      return (await res.json()) as { id: string };
    };
    const inc = await post('/api/incidents', {
      type: 'theft',
      occurredAt: new Date().toISOString(),
      store: 'boots',
      description: 'Took \u2066gpj.exe\u2069 goods',
      statement: 'I saw him take razor blades and walk out past the tills.',
    });
    const alias = 'Tesco\u202Eevil';
    const subject = await post('/api/gallery/subjects', {
      alias,
      status: 'known',
      reason: 'repeat-offending',
      incidentIds: [inc.id],
      under18: false,
      vulnerable: false,
    });
    const sar = `${hub.http}/api/gallery/subjects/${subject.id}/sar`;
    const res = await fetch(sar, { headers: { authorization: `Bearer ${admin}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    const raw = await res.text();
    expect(raw).not.toMatch(BIDI);
    expect(raw).toContain('Tesco\\u202eevil');
    const data = JSON.parse(raw) as { subject: { alias: string }; incidents: { description: string }[] };
    expect(data.subject.alias).toBe(alias);
    expect(data.incidents[0]!.description).toContain('\u2066gpj.exe\u2069');
  });
});
