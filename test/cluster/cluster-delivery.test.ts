import type { AlertWithDeliveries, WsServerMessage } from '@shopwatch/protocols';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FLEET_ZONES, fleetProvisioning, zoneOf } from '../../hub/test/support/fleet';
import { login } from '../../hub/test/support/hub';
import { sleep } from '../../hub/test/support/mqtt';
import { TestHubCluster } from './support/cluster';
import { type FleetRadio, connectRadios, until } from './support/fleet-radios';

const DEVICES = 300;

/** An operator's browser on one replica's own /ws (not through HAProxy: one per replica for certain). */
async function browserOn(httpPort: number, token: string) {
  const ws = new WebSocket(`ws://127.0.0.1:${httpPort}/ws`);
  const msgs: WsServerMessage[] = [];
  ws.on('message', (d) => msgs.push(JSON.parse(d.toString())));
  await new Promise((resolve, reject) => ws.on('open', resolve).on('error', reject));
  ws.send(JSON.stringify({ type: 'hello', token }));
  await until('the browser is welcomed', () => msgs.some((m) => m.type === 'welcome'));
  return { ws, msgs };
}

/**
 * Issue 14: three hub replicas (PostgreSQL + Redis) behind HAProxy, 300 radios spread over them
 * by the front door. An alert raised on any replica reaches every radio of its zone on every
 * replica once; receipts count from whichever replica a radio is on; every replica's browsers
 * see every alert of their scope.
 */
describe('three replicas behind HAProxy: delivery across replicas', () => {
  let cluster: TestHubCluster;
  let radios: FleetRadio[] = [];
  let raiser: FleetRadio;
  let op: string;

  beforeAll(async () => {
    cluster = await TestHubCluster.start({ replicas: 3, provisioning: fleetProvisioning(DEVICES) });
    const who = Array.from({ length: DEVICES }, (_, i) => ({ id: `d${i}`, zone: zoneOf(i % 100) }));
    radios = await connectRadios(cluster.mqttPort, who);
    [raiser] = await connectRadios(cluster.mqttPort, [{ id: 'raiser-z0', zone: 'z0' }]);
    op = await login(cluster.http, 'operator', 'fleet-operator-password');
  }, 240_000);
  afterAll(async () => {
    for (const r of [...radios, raiser]) r?.end();
    await cluster?.stop();
  }, 60_000);

  it('spreads 300 radios over the three replicas through HAProxy (fewest connections first)', async () => {
    const counts = await cluster.mqttClients();
    expect(counts.reduce((a, b) => a + b, 0)).toBe(DEVICES + 1);
    for (const n of counts) expect(n).toBeGreaterThanOrEqual(80); // ~100 each
  });

  it('delivers an alert to every radio of its zone on all replicas exactly once, receipted from any', async () => {
    await raiser.raise('cluster-delivery-1'); // PUBACK: stored in PostgreSQL
    const zone = radios.filter((r) => r.zone === 'z0');
    expect(zone).toHaveLength(DEVICES / FLEET_ZONES);
    let alertId = '';
    await until('every radio of zone z0 has it', () => {
      const got = zone[0]!.events.find((e) => e.alert.clientRef === 'cluster-delivery-1');
      alertId = got?.alert.id ?? '';
      return !!alertId && zone.every((r) => r.count(alertId) >= 1);
    });
    await sleep(1500); // time for a second copy (from another replica) to arrive, if there were one
    for (const r of zone) expect(r.count(alertId), r.id).toBe(1);
    for (const r of radios.filter((x) => x.zone !== 'z0')) expect(r.count(alertId), r.id).toBe(0);

    // Each receipt went to the replica its radio is on; the store of record has all of them.
    await until(
      'all 30 receipts are listed',
      async () => {
        const res = await fetch(`${cluster.http}/api/alerts`, { headers: { authorization: `Bearer ${op}` } });
        const list = (await res.json()) as AlertWithDeliveries[];
        const got = new Set(list.find((a) => a.id === alertId)?.deliveries.map((d) => d.deviceId));
        return zone.every((r) => got.has(r.id));
      },
      20_000,
    );
  });

  it('shows an alert raised through one replica to an operator browser on each replica', async () => {
    const browsers = await Promise.all(cluster.replicas.map((r) => browserOn(r.httpPort, op)));
    try {
      await raiser.raise('cluster-delivery-2');
      for (const [i, b] of browsers.entries()) {
        await until(`the browser on ${cluster.replicas[i]!.name} sees it`, () =>
          b.msgs.some((m) => m.type === 'alert' && m.event.alert.clientRef === 'cluster-delivery-2'),
        );
      }
      await sleep(1000);
      for (const b of browsers) {
        const seen = b.msgs.filter(
          (m) => m.type === 'alert' && m.event.alert.clientRef === 'cluster-delivery-2' && m.event.event === 'raised',
        );
        expect(seen).toHaveLength(1);
      }
    } finally {
      for (const b of browsers) b.ws.close();
    }
  });
});
