/**
 * A reconnect storm in its own process: `node --import tsx storm-child.ts MQTT_PORT FROM TO`
 * connects radios d{FROM}..d{TO-1} of the fleet scheme at once, each subscribing to its zone,
 * prints one JSON line `{ served, failures, retries, ms }`, then holds the connections until stdin closes.
 * Its own process, so the clients' work does not delay the measurements of the test itself.
 */
import { storm, zoneOf } from './fleet';

const [port, from, to] = process.argv.slice(2).map(Number) as [number, number, number];
const ids = Array.from({ length: to - from }, (_, k) => ({ id: `d${from + k}`, zone: zoneOf((from + k) % 100) }));
const s = await storm(port, ids);
const report = { served: s.clients.length, failures: s.failures.slice(0, 5), retries: s.retries, ms: s.ms };
process.stdout.write(`${JSON.stringify(report)}\n`);
process.stdin.resume();
process.stdin.on('end', async () => {
  await Promise.all(s.clients.map((c) => c.endAsync(true)));
  process.exit(0);
});
