import { describe, expect, it } from 'vitest';
import { topics } from '@shopwatch/protocols';
import { launchChromium } from '../../dashboard/test/support/browser';
import { fleetProvisioning, fleetSecret } from '../../hub/test/support/fleet';
import { login, startTestHub } from '../../hub/test/support/hub';
import { TestDevice } from '../../hub/test/support/mqtt';

describe('a gzipped listing in a real browser', () => {
  it('decodes in Chromium to the same JSON as the plain page', async () => {
    // 1,000 radios, 150 alerts: ~200 KB of JSON, gzipped from pieces with preset dictionaries.
    const hub = await startTestHub({ seed: fleetProvisioning(1000), raisesPerMinute: 1_000_000 });
    const raiser = await TestDevice.connect(hub.mqttPort, 'raiser-z0', fleetSecret('raiser-z0'));
    const browser = await launchChromium();
    try {
      await Promise.all(
        Array.from({ length: 150 }, (_, i) =>
          raiser.publish(topics.alertRaise('fleet'), { type: 'shoplifting', severity: 'low', clientRef: `br-${i}` }),
        ),
      );
      const token = await login(hub.http, 'operator', 'fleet-operator-password');
      const url = `${hub.http}/api/alerts?limit=500`;
      const plain = await (
        await fetch(url, { headers: { authorization: `Bearer ${token}`, 'accept-encoding': 'identity' } })
      ).text();
      const page = await browser.newPage();
      await page.goto(`${hub.http}/readyz`); // same origin as the API
      const seen = await page.evaluate(
        async ([u, t]) => {
          const res = await fetch(u!, { headers: { authorization: `Bearer ${t}` } });
          const text = await res.text();
          const timing = performance.getEntriesByName(u!).at(-1) as PerformanceResourceTiming;
          return { status: res.status, text, encoded: timing.encodedBodySize, decoded: timing.decodedBodySize };
        },
        [url, token],
      );
      expect(seen.status).toBe(200);
      expect(seen.text).toBe(plain);
      expect(JSON.parse(seen.text)).toHaveLength(150);
      expect(seen.decoded).toBe(Buffer.byteLength(plain));
      expect(seen.encoded).toBeLessThan(seen.decoded / 4); // it came gzipped
    } finally {
      await browser.close();
      await raiser.end();
      await hub.stop();
    }
  }, 120_000);
});
