import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fleetProvisioning, zoneOf } from '../../hub/test/support/fleet';
import { sleep } from '../../hub/test/support/mqtt';
import { TestHubCluster } from './support/cluster';
import { type FleetRadio, connectRadios, until } from './support/fleet-radios';

const DEVICES = 60;

/** Resolves true if `p` settled within `ms`, false if it was still pending then. */
const settlesWithin = (p: Promise<unknown>, ms: number) =>
  Promise.race([
    p.then(
      () => true,
      () => true,
    ),
    sleep(ms).then(() => false),
  ]);

/**
 * Issue 14: the engines under the replicas restart. Redis: the replicas reconnect and alerts flow
 * across them again, nothing acknowledged is lost. PostgreSQL: a raise is not acknowledged while
 * it cannot be stored (fail closed), and is taken, once, when the database is back.
 */
describe('three replicas behind HAProxy: Redis and PostgreSQL restart', () => {
  let cluster: TestHubCluster;
  let radios: FleetRadio[] = [];
  let raiser: FleetRadio;
  let db: pg.Client;
  const stored = async (ref: string) =>
    Number((await db.query('SELECT count(*)::int AS n FROM alerts WHERE client_ref = $1', [ref])).rows[0].n);
  /** The alert of a clientRef reached every radio of zone z0, on whichever replica it is. */
  const everyoneGot = (ref: string) => {
    const zone = radios.filter((r) => r.zone === 'z0');
    return zone.every((r) => r.events.some((e) => e.alert.clientRef === ref && e.event === 'raised'));
  };

  beforeAll(async () => {
    cluster = await TestHubCluster.start({ replicas: 3, provisioning: fleetProvisioning(DEVICES) });
    const who = Array.from({ length: DEVICES }, (_, i) => ({ id: `d${i}`, zone: zoneOf(i % 100) }));
    radios = await connectRadios(cluster.mqttPort, who);
    [raiser] = await connectRadios(cluster.mqttPort, [{ id: 'raiser-z0', zone: 'z0' }]);
    const counts = await cluster.mqttClients();
    expect(counts.filter((n) => n > 0)).toHaveLength(3); // the zone's radios are on every replica
  }, 240_000);
  beforeAll(async () => {
    db = new pg.Client(cluster.pg.url);
    db.on('error', () => undefined); // the restart below ends this session too
  });
  afterAll(async () => {
    for (const r of [...radios, raiser]) r?.end();
    await db?.end().catch(() => undefined);
    await cluster?.stop();
  }, 60_000);

  it('delivers across replicas again after Redis restarts, and keeps what was acknowledged', async () => {
    await db.connect();
    await raiser.raise('before-redis');
    await until('everyone has the alert raised before', () => everyoneGot('before-redis'));
    await cluster.redis.restart(() => sleep(1000));
    // Raised once Redis is back: the replicas have reconnected to it, the bus carries it across.
    const acked = raiser.raise('after-redis');
    await until('the raise after the restart is acknowledged', () => settlesWithin(acked, 100), 20_000);
    await acked;
    await until('everyone has the alert raised after', () => everyoneGot('after-redis'), 20_000).catch(async (e) => {
      const zone = radios.filter((r) => r.zone === 'z0');
      const missing = zone.filter((r) => !r.events.some((x) => x.alert.clientRef === 'after-redis'));
      console.log(
        'DEBUG',
        missing.map((r) => [r.id, r.client.connected, r.connects]),
        await cluster.mqttClients(),
      );
      throw e;
    });
    expect(await stored('before-redis')).toBe(1);
    expect(await stored('after-redis')).toBe(1);
  }, 60_000);

  it('does not acknowledge a raise while PostgreSQL is down, and takes it once when it is back', async () => {
    await db.end().catch(() => undefined);
    let duringOutage: Promise<unknown> | null = null;
    let ackedDuringOutage = true;
    await cluster.pg.restart('fast', async () => {
      duringOutage = raiser.raise('during-pg-outage');
      ackedDuringOutage = await settlesWithin(duringOutage, 3000);
    });
    expect(ackedDuringOutage).toBe(false); // no PUBACK without durability
    // Back: the raise goes through (the radio retries it with the same clientRef), stored once.
    await duringOutage;
    db = new pg.Client(cluster.pg.url);
    await db.connect();
    expect(await stored('during-pg-outage')).toBe(1);
    await until('everyone has the alert raised in the outage', () => everyoneGot('during-pg-outage'), 20_000);
    await raiser.raise('after-pg');
    expect(await stored('after-pg')).toBe(1);
  }, 90_000);
});
