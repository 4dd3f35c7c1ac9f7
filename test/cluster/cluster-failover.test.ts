import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProvisioningInput } from '@shopwatch/protocols';
import { FLEET_ZONES, fleetProvisioning, fleetSecret, zoneOf } from '../../hub/test/support/fleet';
import { sleep } from '../../hub/test/support/mqtt';
import { TestHubCluster } from './support/cluster';
import { type FleetRadio, connectRadios, until } from './support/fleet-radios';

const DEVICES = 300;
const RAISERS = FLEET_ZONES; // raiser-z0..z9, 10 raises/s each: ~100 raises/s
const LOAD_MS = 8000;
const ESCALATION_SECONDS = 6;

/** The fleet scheme, plus a small scheme whose alerts escalate after a few seconds. */
function provisioning(): ProvisioningInput {
  const p = fleetProvisioning(DEVICES);
  p.schemes!.push({
    id: 'esc',
    name: 'Escalation',
    zones: [{ id: 'e1', name: 'E1' }],
    stores: [{ id: 'es1', name: 'E store', zone: 'e1' }],
    settings: { escalationSeconds: ESCALATION_SECONDS, catchUpHours: 24 },
  });
  for (const id of ['esc-raiser', 'esc-radio']) {
    p.devices!.push({ id, kind: 'radio', scheme: 'esc', store: 'es1', secret: fleetSecret(id) });
  }
  return p;
}

/**
 * Issue 14: `kill -9` of one replica of three while ~100 alerts a second are raised through
 * HAProxy. Nothing acknowledged is lost; every radio is back through HAProxy and has every alert
 * of its zone, in order; a pending alert's escalation fires exactly once after the replica that
 * led the jobs died.
 */
describe('three replicas behind HAProxy: one is killed under load', () => {
  let cluster: TestHubCluster;
  let radios: FleetRadio[] = [];
  let raisers: FleetRadio[] = [];
  let escRaiser: FleetRadio;
  let escRadio: FleetRadio;
  let db: pg.Client;

  beforeAll(async () => {
    cluster = await TestHubCluster.start({ replicas: 3, provisioning: provisioning() });
    const who = Array.from({ length: DEVICES }, (_, i) => ({ id: `d${i}`, zone: zoneOf(i % 100) }));
    radios = await connectRadios(cluster.mqttPort, who);
    raisers = await connectRadios(
      cluster.mqttPort,
      Array.from({ length: RAISERS }, (_, z) => ({ id: `raiser-z${z}`, zone: `z${z}` })),
    );
    [escRaiser, escRadio] = await connectRadios(cluster.mqttPort, [
      { id: 'esc-raiser', zone: 'e1', scheme: 'esc' },
      { id: 'esc-radio', zone: 'e1', scheme: 'esc' },
    ]);
    db = new pg.Client(cluster.pg.url);
    await db.connect();
  }, 240_000);
  afterAll(async () => {
    for (const r of [...radios, ...raisers, escRaiser, escRadio]) r?.end();
    await db?.end().catch(() => undefined);
    await cluster?.stop();
  }, 60_000);

  it('loses no acknowledged alert, reconnects and catches up every radio, escalates once', async () => {
    const acked = new Set<string>();
    let refused = 0;
    let n = 0;
    const loadEnd = Date.now() + LOAD_MS;
    const load = (async () => {
      const inFlight: Promise<unknown>[] = [];
      while (Date.now() < loadEnd) {
        for (const r of raisers) {
          const ref = `load-${r.zone}-${n}`;
          inFlight.push(
            r.raise(ref).then(
              () => acked.add(ref),
              () => refused++,
            ),
          );
        }
        n++;
        await sleep(100);
      }
      await Promise.allSettled(inFlight);
    })();

    // A pending alert, owned by the jobs of the replica that leads them: hub-1 started first and
    // took the lead. It dies before the alert is due.
    await sleep(2000);
    await escRaiser.raise('esc-pending');
    const pending = (await db.query("SELECT id FROM alerts WHERE client_ref = 'esc-pending'")).rows[0].id as string;
    const killedAt = performance.now();
    await cluster.kill(0, 'SIGKILL');
    await load;

    // Every device was reconnected through HAProxy to the two replicas left.
    await until('every radio is connected again', () => radios.every((r) => r.client.connected), 30_000);
    // Failover: from the kill to the last radio that lost its replica being connected again.
    const moved = radios.filter((r) => r.connects > 1);
    const failoverMs = Math.max(...moved.map((r) => r.connectedAt)) - killedAt;
    const noticedMs = Math.max(...moved.map((r) => r.closedAt)) - killedAt;
    expect(moved.length).toBeGreaterThan(DEVICES / 6); // about a third were on the killed replica
    const counts = await cluster.mqttClients();
    expect(counts[0]).toBe(0);
    expect(counts[1]! + counts[2]!).toBe(DEVICES + RAISERS + 2);

    // 0 acknowledged alerts lost: each PUBACKed clientRef is a stored alert.
    const stored = new Set<string>(
      (await db.query("SELECT client_ref FROM alerts WHERE scheme = 'fleet'")).rows.map((r) => r.client_ref),
    );
    const lost = [...acked].filter((ref) => !stored.has(ref));
    expect(lost).toEqual([]);
    expect(acked.size).toBeGreaterThan(RAISERS * (LOAD_MS / 100) * 0.5);

    // Every radio has every alert of its zone (stored ones, acknowledged or not), in order.
    const byZone = new Map<string, { id: string; seq: number }[]>();
    const { rows } = await db.query(
      `SELECT a.id, a.zone, e.seq FROM alerts a JOIN alert_events e ON e.alert_id = a.id AND e.kind = 'raised'
        WHERE a.scheme = 'fleet' ORDER BY e.seq`,
    );
    for (const r of rows) byZone.set(r.zone, [...(byZone.get(r.zone) ?? []), { id: r.id, seq: Number(r.seq) }]);
    await until(
      'every radio has caught up',
      () => radios.every((r) => (byZone.get(r.zone) ?? []).every((a) => r.count(a.id) >= 1)),
      30_000,
    ).catch((e) => {
      const behind = radios.filter((r) => !(byZone.get(r.zone) ?? []).every((a) => r.count(a.id) >= 1));
      const info = behind.slice(0, 8).map((r) => ({
        id: r.id,
        connected: r.client.connected,
        connects: r.connects,
        missing: (byZone.get(r.zone) ?? []).filter((a) => r.count(a.id) === 0).length,
        of: (byZone.get(r.zone) ?? []).length,
      }));
      console.log('BEHIND', behind.length, JSON.stringify(info));
      throw e;
    });
    let duplicates = 0;
    for (const r of radios) {
      const firsts: number[] = [];
      const seen = new Set<string>();
      for (const e of r.events.filter((x) => x.event === 'raised')) {
        if (seen.has(e.alert.id)) duplicates++;
        else firsts.push(e.seq);
        seen.add(e.alert.id);
      }
      // In order: each alert first arrives after every older one of the zone.
      expect(firsts, r.id).toEqual([...firsts].sort((a, b) => a - b));
    }

    // The escalation fires once, on a surviving replica, and the zone hears it once.
    await until('the pending alert escalated', () => escRadio.count(pending, 'escalated') >= 1, 30_000);
    await sleep(2000);
    expect(escRadio.count(pending, 'escalated')).toBe(1);
    const escalations = await db.query(
      "SELECT count(*)::int AS n FROM alert_events WHERE alert_id = $1 AND kind = 'escalated'",
      [pending],
    );
    expect(escalations.rows[0].n).toBe(1);

    console.log(
      JSON.stringify({
        raisesAcked: acked.size,
        raisesRefused: refused,
        storedAlerts: stored.size,
        movedRadios: moved.length,
        reconnectMs: [0.1, 0.5, 0.9, 1].map((q) =>
          Math.round(
            moved.map((r) => r.connectedAt - killedAt).sort((a, b) => a - b)[Math.ceil(q * moved.length) - 1]!,
          ),
        ),
        connectsPerMoved: moved
          .map((r) => r.connects)
          .sort((a, b) => b - a)
          .slice(0, 5),
        lastCloseMs: Math.round(noticedMs),
        failoverMs: Math.round(failoverMs),
        duplicateDeliveries: duplicates,
      }),
    );
  }, 150_000);
});
