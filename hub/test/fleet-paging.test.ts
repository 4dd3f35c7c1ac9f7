import { describe, expect, it } from 'vitest';
import { AlertWithDeliveries } from '@shopwatch/protocols';
import { login, startTestHub } from './support/hub';

describe('GET /api/alerts paging', () => {
  it('pages newest first with an opaque cursor, each alert once, and refuses a forged cursor or limit', async () => {
    const hub = await startTestHub();
    try {
      const token = await login(hub.http, 'operator', 'operator-password');
      const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
      for (let i = 0; i < 7; i++) {
        const body = JSON.stringify({ type: 'shoplifting', severity: 'low', clientRef: `page-${i}`, store: 'boots' });
        const r = await fetch(`${hub.http}/api/alerts`, { method: 'POST', headers: auth, body });
        expect(r.status).toBe(201);
      }
      const seen: string[] = [];
      const sizes: number[] = [];
      let cursor: string | null = null;
      do {
        const after: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
        const res: Response = await fetch(`${hub.http}/api/alerts?limit=3${after}`, { headers: auth });
        expect(res.status).toBe(200);
        const page = AlertWithDeliveries.array().parse(await res.json());
        sizes.push(page.length);
        seen.push(...page.map((a) => a.clientRef));
        cursor = res.headers.get('x-next-cursor');
      } while (cursor);
      expect(sizes).toEqual([3, 3, 1]);
      expect(seen).toEqual(['page-6', 'page-5', 'page-4', 'page-3', 'page-2', 'page-1', 'page-0']);

      const all = await fetch(`${hub.http}/api/alerts`, { headers: auth });
      expect(all.headers.get('x-next-cursor')).toBeNull(); // 7 alerts fit the default page of 50
      const forged = Buffer.from('{"x":1}').toString('base64url');
      for (const bad of ['cursor=not-a-cursor', `cursor=${forged}`, 'limit=501', 'limit=0']) {
        const res = await fetch(`${hub.http}/api/alerts?${bad}`, { headers: auth });
        expect(res.status, bad).toBe(400);
        expect(((await res.json()) as { code: string }).code, bad).toMatch(/bad_request|invalid/);
      }
    } finally {
      await hub.stop();
    }
  });
});
