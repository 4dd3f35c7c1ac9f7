import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorBody } from '@shopwatch/protocols';
import { parsePublicKey } from '../../hub/src/export/keys';
import { verifyPackage } from '../../hub/src/export/verify';
import { evidenceCases, run, sha, unzip } from './support/export-fixtures';
import { login, startTestHub, tempDir } from '../../hub/test/support/hub';

/** The console's export: POST /api/exports answers with the signed package itself. */
describe('police evidence package (HTTP)', () => {
  let hub: Awaited<ReturnType<typeof startTestHub>>;
  let cases: Awaited<ReturnType<typeof evidenceCases>>;
  const dir = tempDir('shopwatch-export-http-');
  const order = {
    exhibit: 'AB/7',
    to: 'PC 99 Sam Lee',
    organisation: 'Example Constabulary',
    reason: 'Robbery at Boots, ref 77/2026',
  };
  const post = (token: string, body: unknown) =>
    fetch(`${hub.http}/api/exports`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const exportedCount = async () =>
    (await hub.services.evidenceRepo.custodyLog('case-0001')).filter((e) => e.action === 'exported').length;
  const leftovers = () => fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith('shopwatch-package-'));

  beforeAll(async () => {
    hub = await startTestHub();
    cases = await evidenceCases(hub, dir);
  }, 60_000);
  afterAll(async () => {
    await cases?.edge.close();
    await hub?.stop();
  });

  it('lets an operator export by alert id and download a package that verifies with the published key', async () => {
    const before = leftovers();
    const res = await post(cases.op, { alertId: cases.alertId, ...order });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/zip');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="AB-7.zip"');
    const zip = Buffer.from(await res.arrayBuffer());
    expect(res.headers.get('x-package-sha256')).toBe(sha(zip));
    expect(JSON.parse(decodeURIComponent(res.headers.get('x-evidence-notes')!))).toEqual([]);
    // The hub keeps no copy of the package it sent.
    expect(leftovers()).toEqual(before);

    const keyRes = await fetch(`${hub.http}/api/exports/key`, { headers: { authorization: `Bearer ${cases.op}` } });
    const key = (await keyRes.json()) as { publicKey: string; fingerprint: string };
    expect(key.fingerprint).toBe(res.headers.get('x-signing-key-fingerprint'));
    const result = verifyPackage(zip, parsePublicKey(key.publicKey));
    expect(result.problems).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.info).toContainEqual(['External-Identifier', 'AB/7']);

    const file = path.join(dir, 'AB-7.zip');
    fs.writeFileSync(file, zip);
    const bag = path.join(await unzip(file, path.join(dir, 'ab7')), 'AB-7');
    expect((await run('sha256sum', ['-c', '--strict', 'manifest-sha256.txt'], { cwd: bag })).code).toBe(0);
    const master = fs.readFileSync(path.join(bag, 'data/master/clip.mp4'));
    expect(master.equals(fs.readFileSync(cases.media.clip))).toBe(true);
    const record = JSON.parse(fs.readFileSync(path.join(bag, 'data/record.json'), 'utf8'));
    expect(record).toMatchObject({
      candidate: { id: 'case-0001' },
      producer: { id: 'operator' },
      disclosure: { to: 'PC 99 Sam Lee' },
    });
  });

  it('records the console export in the audit log as a disclosure, with to whom and why', async () => {
    const coord = await login(hub.http, 'coord', 'coord-password');
    const res = await fetch(`${hub.http}/api/audit`, { headers: { authorization: `Bearer ${coord}` } });
    type Entry = { action: string; actor: { id: string }; object: { id: string }; detail: unknown };
    const entries = (await res.json()) as Entry[];
    const d = entries.find((e) => e.action === 'disclose' && e.object.id === 'case-0001');
    const detail = { to: order.to, organisation: order.organisation, why: order.reason, exhibit: 'AB/7' };
    expect(d).toMatchObject({ actor: { id: 'operator' }, detail });
  });

  it("exports a store's own alert, which has no media, as its record with a loud NO MEDIA note", async () => {
    const raised = await fetch(`${hub.http}/api/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${cases.op}` },
      body: JSON.stringify({
        type: 'shoplifting',
        severity: 'medium',
        clientRef: 'plain-1',
        store: 'boots',
        message: 'Two men, razors',
      }),
    });
    expect(raised.status).toBe(201);
    const alertId = ((await raised.json()) as { id: string }).id;
    const res = await post(cases.op, { alertId, ...order, exhibit: 'AB/8' });
    expect(res.status).toBe(200);
    expect(JSON.parse(decodeURIComponent(res.headers.get('x-evidence-notes')!))[0]).toMatch(/^NO MEDIA: alert/);
    const file = path.join(dir, 'AB-8.zip');
    fs.writeFileSync(file, Buffer.from(await res.arrayBuffer()));
    const bag = path.join(await unzip(file, path.join(dir, 'ab8')), 'AB-8');
    expect((await run('sha256sum', ['-c', '--strict', 'manifest-sha256.txt'], { cwd: bag })).code).toBe(0);
    expect(fs.existsSync(path.join(bag, 'data/master'))).toBe(false);
    const record = JSON.parse(fs.readFileSync(path.join(bag, 'data/record.json'), 'utf8'));
    expect(record).toMatchObject({ candidate: null, review: null, alert: { id: alertId, message: 'Two men, razors' } });
    expect(fs.readFileSync(path.join(bag, 'data/record.html'), 'utf8')).toContain('NO MEDIA');
    const disclosed = await hub.services.audit.list({ scheme: 'town', objectKind: 'alert', objectId: alertId });
    expect(disclosed[0]).toMatchObject({ action: 'disclose', detail: { exhibit: 'AB/8', to: order.to } });
  });

  it('refuses members and wardens with 403, recording nothing', async () => {
    const before = await exportedCount();
    for (const [user, password] of [
      ['boots-staff', 'boots-password'],
      ['warden', 'warden-password'],
    ]) {
      const res = await post(await login(hub.http, user!, password!), { candidateId: 'case-0001', ...order });
      expect(res.status).toBe(403);
      expect(ErrorBody.parse(await res.json()).code).toBe('forbidden');
    }
    expect(await exportedCount()).toBe(before);
  });

  it("answers bad requests and other schemes' evidence with a clear error and changes nothing", async () => {
    const before = await exportedCount();
    const bad: [unknown, number, RegExp][] = [
      ['{not json', 400, /malformed JSON/],
      [{ ...order }, 400, /exactly one of candidateId or alertId/],
      [{ candidateId: 'case-0001', alertId: cases.alertId, ...order }, 400, /exactly one/],
      [{ candidateId: 'case-0001', ...order, exhibit: '../../etc' }, 400, /exhibit/],
      [{ candidateId: 'case-0001', ...order, reason: '' }, 400, /reason/],
      [{ candidateId: 'case-0003', ...order }, 409, /rejected .* deleted/],
      [{ candidateId: 'case-0004', ...order }, 409, /not reviewed yet/],
    ];
    for (const [body, status, message] of bad) {
      const res = await post(cases.op, body);
      expect(res.status).toBe(status);
      expect(ErrorBody.parse(await res.json()).message).toMatch(message);
    }
    const city = await login(hub.http, 'city-operator', 'city-password');
    const res = await post(city, { candidateId: 'case-0001', ...order });
    expect(res.status).toBe(404);
    expect(await exportedCount()).toBe(before);
  });
});
