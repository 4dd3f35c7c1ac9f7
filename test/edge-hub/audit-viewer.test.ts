import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditEntry } from '@shopwatch/protocols';
import { addSubject } from './support/evidence';
import { login, startTestHub } from '../../hub/test/support/hub';

/** The audit viewer's API: filters, paging, and a CSV export that is itself audited (issue 12). */
describe('audit viewer API', () => {
  let hub: Awaited<ReturnType<typeof startTestHub>>;
  let coord: string;
  let admin: string;
  let between: string;
  const get = (token: string, p: string) => fetch(`${hub.http}${p}`, { headers: { authorization: `Bearer ${token}` } });
  const page = async (token: string, p: string) => {
    const res = await get(token, p);
    expect(res.status, await res.clone().text()).toBe(200);
    return AuditEntry.array().parse(await res.json());
  };
  const count = async () => (await hub.services.audit.list({ scheme: 'town', limit: 100_000 })).length;
  const disclose = (token: string, subjectId: string, to: string, why = 'Investigation, crime ref 44/1234/26') =>
    fetch(`${hub.http}/api/audit/disclosures`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ subjectId, to, organisation: 'Town Police', why }),
    });

  beforeAll(async () => {
    hub = await startTestHub();
    [coord, admin] = await Promise.all([
      login(hub.http, 'coord', 'coord-password'),
      login(hub.http, 'admin', 'admin-password'),
    ]);
    addSubject(hub, 'subj-a');
    hub.services.governance.gov.addSubject(
      'subj-b',
      'town',
      {
        alias: 'Blue Cap',
        status: 'known',
        reason: 'repeat-offending',
        incidentIds: ['inc-1'],
        under18: false,
        vulnerable: false,
      },
      'coord',
      new Date().toISOString(),
      new Date(Date.now() + 86400_000).toISOString(),
    );
    expect((await disclose(coord, 'subj-a', 'PC 1 Early')).status).toBe(201);
    await sleep(30);
    between = new Date().toISOString();
    await sleep(30);
    // A value built to run as a formula in a spreadsheet, with a comma and quotes to escape.
    expect((await disclose(admin, 'subj-b', '=HYPERLINK("http://x.test","click, me")')).status).toBe(201);
    for (let i = 0; i < 5; i++) expect((await disclose(coord, 'subj-b', `PC ${i} Later`)).status).toBe(201);
  });
  afterAll(async () => hub?.stop());

  it('filters by who, what, whose data and a date range', async () => {
    const byAdmin = await page(coord, '/api/audit?actor=admin&action=disclose');
    expect(byAdmin.map((e) => e.detail?.to)).toEqual(['=HYPERLINK("http://x.test","click, me")']);
    const aboutA = await page(coord, '/api/audit?subjectId=subj-a');
    expect(aboutA.length).toBeGreaterThan(0);
    expect(aboutA.every((e) => e.subjectId === 'subj-a')).toBe(true);
    const before = await page(coord, `/api/audit?action=disclose&to=${encodeURIComponent(between)}`);
    expect(before.map((e) => e.detail?.to)).toEqual(['PC 1 Early']);
    const after = await page(coord, `/api/audit?action=disclose&from=${encodeURIComponent(between)}`);
    expect(after).toHaveLength(6);
    // An offset other than Z names the same instant.
    const local = new Date(Date.parse(between) + 3600_000).toISOString().replace('Z', '+01:00');
    expect(await page(coord, `/api/audit?action=disclose&from=${encodeURIComponent(local)}`)).toHaveLength(6);
  });

  it('pages newest first with limit and before, and bounds the page size', async () => {
    const all = await page(coord, '/api/audit?action=disclose&limit=500');
    expect(all).toHaveLength(7);
    const first = await page(coord, '/api/audit?action=disclose&limit=3');
    expect(first.map((e) => e.seq)).toEqual(all.slice(0, 3).map((e) => e.seq));
    const second = await page(coord, `/api/audit?action=disclose&limit=3&before=${first.at(-1)!.seq}`);
    expect(second.map((e) => e.seq)).toEqual(all.slice(3, 6).map((e) => e.seq));
    const res = await get(coord, '/api/audit?limit=501');
    expect(res.status).toBe(400);
  });

  it('refuses bad filter values with 400 {code, message} and records nothing', async () => {
    const n = await count();
    for (const q of [
      'action=stole',
      'from=yesterday',
      'to=2026-13-01T00:00:00Z',
      `from=${encodeURIComponent(between)}&to=${encodeURIComponent(between)}`,
      'actor=',
      'limit=0',
      'who=admin',
    ]) {
      for (const p of ['/api/audit', '/api/audit.csv']) {
        const res = await get(coord, `${p}?${q}`);
        expect(res.status, `${p}?${q}`).toBe(400);
        const body = (await res.json()) as { code: string; message: string };
        expect(body.code).toBe('bad_request');
        expect(body.message.length).toBeGreaterThan(5);
      }
    }
    expect(await count()).toBe(n);
  });

  it('exports the filtered view as an RFC 4180 CSV attachment, formulas neutralised, and audits it', async () => {
    const res = await get(coord, '/api/audit.csv?action=disclose&subjectId=subj-b');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(res.headers.get('content-disposition')).toMatch(
      /^attachment; filename="audit-town-\d{4}-\d{2}-\d{2}\.csv"$/,
    );
    const text = await res.text();
    const lines = text.split('\r\n');
    expect(lines.at(-1)).toBe('');
    expect(lines[0]).toBe('seq,at,actor_kind,actor,action,object_kind,object_id,subject_id,subject_alias,detail,hash');
    expect(lines).toHaveLength(1 + 6 + 1);
    // Oldest first; the forged "to" is one quoted cell whose inner quotes are doubled, and the
    // detail starts with "{", so no cell begins with a formula character.
    const admins = lines.find((l) => l.includes(',admin,'))!;
    expect(admins).toContain(',Blue Cap,');
    expect(admins).toContain('"{""to"":""=HYPERLINK(\\""http://x.test\\"",\\""click, me\\"")""');
    expect(text).not.toContain('PC 1 Early');

    const [entry] = await hub.services.audit.list({ scheme: 'town', action: 'export', limit: 1 });
    expect(entry).toMatchObject({
      actor: { kind: 'user', id: 'coord' },
      action: 'export',
      object: { kind: 'audit', id: 'audit.csv' },
      detail: {
        what: 'export audit csv',
        by: 'coord (coord)',
        filter: { action: 'disclose', subjectId: 'subj-b' },
        rows: 6,
      },
    });
  });

  it('gives a cell that starts with = + - @ a leading apostrophe', async () => {
    const { csvCell } = await import('../../hub/src/audit/csv');
    expect(['=1+1', '+1', '-2', '@SUM(A1)', '\tx', 'plain', 'a,b', 'say "hi"', 'two\nlines'].map(csvCell)).toEqual([
      "'=1+1",
      "'+1",
      "'-2",
      "'@SUM(A1)",
      "'\tx",
      'plain',
      '"a,b"',
      '"say ""hi"""',
      '"two\nlines"',
    ]);
  });

  it('keeps the audit log and its export from roles that may not read it', async () => {
    const op = await login(hub.http, 'operator', 'operator-password');
    const n = await count();
    expect((await get(op, '/api/audit.csv')).status).toBe(403);
    expect((await get(op, '/api/audit')).status).toBe(403);
    expect(await count()).toBe(n);
  });
});
