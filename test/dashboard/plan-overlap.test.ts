import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ProvisioningInput } from '@shopwatch/protocols';
import { demoProvisioning } from '../../scripts/demo/provisioning';
import { login as apiLogin, startTestHub } from '../../hub/test/support/hub';
import { ConsolePage } from '../../dashboard/test/pages/console-page';
import { LoginPage } from '../../dashboard/test/pages/login-page';
import { ensureDashboardBuilt } from '../../dashboard/test/support/build';
import { PROJECTS, artifactPath, launchChromium, newContext } from '../../dashboard/test/support/browser';

let browser: Browser;
const contexts: BrowserContext[] = [];
beforeAll(async () => {
  await ensureDashboardBuilt();
  browser = await launchChromium();
});
afterEach(async () => {
  await Promise.all(contexts.splice(0).map((c) => c.close().catch(() => undefined)));
});
afterAll(async () => browser?.close());

/** Twelve stores in three zones, crowded into one corner of the plan (positions a few % apart). */
function crowded(): ProvisioningInput {
  const zones = ['a', 'b', 'c'];
  let seed = 7;
  const rnd = () => ((seed = (seed * 48271) % 2147483647) / 2147483647) * 20;
  return {
    schemes: [
      {
        id: 'gen',
        name: 'Generated BCRP',
        zones: zones.map((id) => ({ id, name: `Zone ${id.toUpperCase()}` })),
        stores: Array.from({ length: 12 }, (_, i) => ({
          id: `s${i}`,
          name: `Shop ${i}`,
          zone: zones[i % 3]!,
          plan: { x: 40 + rnd(), y: 40 + rnd() },
        })),
        settings: { escalationSeconds: 60, catchUpHours: 24 },
      },
    ],
    users: [{ username: 'operator', password: 'demo-operator-pass', role: 'operator', scheme: 'gen' }],
    devices: [],
  };
}

const LAYOUTS: [string, () => ProvisioningInput][] = [
  ['demo', demoProvisioning],
  ['12 crowded stores', crowded],
];

for (const [name, seed] of LAYOUTS) {
  describe(`plan of the ${name} provisioning`, () => {
    let hub: Awaited<ReturnType<typeof startTestHub>>;
    beforeAll(async () => {
      const s = seed();
      hub = await startTestHub({ seed: s });
      // An alert at every store, so every tile carries its badge.
      const op = await apiLogin(hub.http, 'operator', 'demo-operator-pass');
      for (const st of s.schemes![0]!.stores!) {
        await fetch(`${hub.http}/api/alerts`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${op}` },
          body: JSON.stringify({ type: 'shoplifting', severity: 'high', store: st.id, clientRef: `plan-${st.id}` }),
        });
      }
    });
    afterAll(async () => hub?.stop());

    for (const project of PROJECTS) {
      it(`draws no store over another, badges included (${project.name})`, async () => {
        const ctx = await newContext(browser, project, hub.http);
        contexts.push(ctx);
        const page = await ctx.newPage();
        const login = new LoginPage(page);
        await login.goto();
        await login.login('operator', 'demo-operator-pass');
        await page.goto('/console/plan');
        const room = new ConsolePage(page);
        await room.page.getByTestId('plan').waitFor();
        await page.locator('[data-store] .badge').first().waitFor();
        const boxes = await page.$$eval('[data-store]', (els) =>
          els.map((el) => {
            const r = el.getBoundingClientRect();
            const badge = !!el.querySelector('.badge');
            return { id: el.getAttribute('data-store')!, x: r.x, y: r.y, w: r.width, h: r.height, badge };
          }),
        );
        const stores = seed().schemes![0]!.stores!.length;
        expect(boxes).toHaveLength(stores);
        expect(boxes.every((b) => b.badge)).toBe(true);
        const clash: string[] = [];
        for (const a of boxes) {
          for (const b of boxes) {
            const overlap = a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
            if (a.id < b.id && overlap) clash.push(`${a.id}/${b.id}`);
          }
        }
        const shot = artifactPath(`plan-${name.replace(/\s+/g, '-')}-${project.name}.png`);
        await page.screenshot({ path: shot, fullPage: true });
        expect(clash).toEqual([]);
      });
    }
  });
}
