/**
 * Replay after a failover, through a real hub on PostgreSQL: RADIOS mqtt.js radios each re-send
 * PENDING receipts (one per alert) one at a time, each waiting for its PUBACK, as mqtt.js
 * re-sends its unacknowledged QoS 1 packets on reconnect. Prints when the last radio is done, and
 * the CPU of the hub and of PostgreSQL per receipt.
 */
import type { ProvisioningInput } from '@shopwatch/protocols';
import { topics } from '@shopwatch/protocols';
import pg from 'pg';
import { fleetSecret, killHub, spawnHub, timeUntilReady } from '../test/support/fleet';
import { tempDir, writeSeed } from '../test/support/hub';
import { TestDevice } from '../test/support/mqtt';
import { freePort } from '../test/support/ports';
import { startPostgres } from '../test/support/postgres';
import { sample } from './lib/proc';

const RADIOS = Number(process.env.RADIOS ?? 334);
const PENDING = Number(process.env.PENDING ?? 48);
const ROUNDS = Number(process.env.ROUNDS ?? 3);

const provisioning: ProvisioningInput = {
  schemes: [
    {
      id: 'fleet',
      name: 'Fleet',
      zones: [{ id: 'z0', name: 'Zone 0' }],
      stores: Array.from({ length: 20 }, (_, i) => ({ id: `st${i}`, name: `Store ${i}`, zone: 'z0' })),
      settings: { escalationSeconds: 3600, catchUpHours: 24 },
    },
  ],
  users: [],
  devices: [...Array.from({ length: RADIOS }, (_, i) => `d${i}`), 'raiser'].map((id, i) => ({
    id,
    kind: 'radio' as const,
    scheme: 'fleet',
    store: `st${i % 20}`,
    secret: fleetSecret(id),
  })),
};

const server = await startPostgres();
const dir = tempDir('shopwatch-replay-');
process.env.SHOPWATCH_DATABASE_URL = server.url;
const [mqttPort, httpPort] = [await freePort(), await freePort()];
const hub = spawnHub(dir, writeSeed(dir, provisioning), mqttPort, httpPort);
try {
  await timeUntilReady(httpPort);
  const pgClient = new pg.Client(server.url);
  await pgClient.connect();
  const raiser = await TestDevice.connect(mqttPort, 'raiser', fleetSecret('raiser'));
  await raiser.subscribe(topics.zoneAlerts('fleet', 'z0'));
  const radios: TestDevice[] = [];
  for (let i = 0; i < RADIOS; i += 50) {
    const ids = Array.from({ length: Math.min(50, RADIOS - i) }, (_, k) => `d${i + k}`);
    radios.push(...(await Promise.all(ids.map((id) => TestDevice.connect(mqttPort, id, fleetSecret(id))))));
  }
  for (let round = 0; round < ROUNDS; round++) {
    const alerts: string[] = [];
    for (let a = 0; a < PENDING; a++) {
      const clientRef = `r${round}-${a}`;
      await raiser.publish(topics.alertRaise('fleet'), { type: 'shoplifting', severity: 'high', clientRef });
      const m = await raiser.waitFor((x) => x.json?.event === 'raised' && x.json.alert?.clientRef === clientRef);
      alerts.push(m.json.alert.id);
    }
    await new Promise((r) => setTimeout(r, 1000)); // the fan-out of the raises is over
    const pids = (await pgClient.query('SELECT pid FROM pg_stat_activity')).rows.map((r) => r.pid as number);
    const cpu = () => pids.reduce((s, pid) => s + sample(pid).cpuSeconds, 0);
    const [pg0, hub0] = [cpu(), sample(hub.pid!).cpuSeconds];
    const t0 = performance.now();
    const lasts = await Promise.all(
      radios.map(async (radio) => {
        for (const id of alerts) await radio.publish(topics.alertReceipt('fleet', id), {});
        return performance.now() - t0;
      }),
    );
    const last = Math.max(...lasts) / 1000;
    const n = RADIOS * PENDING;
    const stored = await pgClient.query('SELECT count(*)::int AS n FROM receipts WHERE alert_id = ANY($1)', [alerts]);
    const hubCpu = ((sample(hub.pid!).cpuSeconds - hub0) * 1e6) / n;
    const pgCpu = ((cpu() - pg0) * 1e6) / n;
    console.log(
      `round ${round}: last radio done ${last.toFixed(2)} s (${Math.round(n / last)} receipts/s), ` +
        `stored ${stored.rows[0].n} of ${n}, ` +
        `CPU/receipt: hub ${hubCpu.toFixed(0)} µs, PostgreSQL ${pgCpu.toFixed(1)} µs`,
    );
  }
  await Promise.all([raiser, ...radios].map((d) => d.end()));
  await pgClient.end();
} finally {
  await killHub(hub, 'SIGTERM');
  await server.stop();
}
