import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { topics } from '@shopwatch/protocols';
import { tempDir, testScheme, writeSeed } from './support/hub';
import { TestDevice, sleep } from './support/mqtt';
import { freePort } from './support/ports';

const ROOT = path.resolve(import.meta.dirname, '../..');

/**
 * Issue 12: stopping the hub while radios were connected logged "mqemitter is closed" at error
 * level. The hub runs as `npm run hub` does (its own process, its own logger on stdout) so every
 * line it writes while stopping is read here, as an operator's log collector would read it.
 */
describe('stopping the hub while radios are connected', () => {
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const c of children) c.kill('SIGKILL');
  });

  it('logs nothing at error level or above, also when a radio drops as the hub stops', async () => {
    // Run 0: the radios stay connected. Run 1: one drops just as the hub stops, while its presence
    // change waits on a slow store (the publish then came after the broker had closed).
    for (let run = 0; run < 2; run++) {
      const drop = run === 1;
      const dir = tempDir();
      const seed = writeSeed(dir, testScheme());
      const [mqttPort, httpPort] = [await freePort(), await freePort()];
      const main = drop ? 'hub/test/support/slow-store-hub.ts' : 'hub/src/main.ts';
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, main)], {
        cwd: ROOT,
        env: {
          ...process.env,
          SHOPWATCH_DATA_DIR: dir,
          SHOPWATCH_SEED: seed,
          SHOPWATCH_MQTT_PORT: String(mqttPort),
          SHOPWATCH_HTTP_PORT: String(httpPort),
          SHOPWATCH_HOST: '127.0.0.1',
          SHOPWATCH_LOG_LEVEL: 'info',
          SLOW_STORE_MS: '1500',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.push(child);
      let out = '';
      child.stdout!.on('data', (d) => (out += d));
      child.stderr!.on('data', (d) => (out += d));
      // 'close', not 'exit': 'exit' may come before the last log lines have been read.
      const exited = new Promise<number>((r) => child.on('close', (code) => r(code ?? -1)));
      const end = Date.now() + 30_000;
      while (Date.now() < end) {
        try {
          if ((await fetch(`http://127.0.0.1:${httpPort}/readyz`)).status === 200) break;
        } catch {}
        await sleep(100);
      }

      // An mqtt.js radio and a mosquitto_sub radio, both subscribed to their zone.
      const radio = await TestDevice.connect(mqttPort, 'radio-coop', 'radio-coop-secret-for-tests');
      await radio.subscribe(topics.zoneAlerts('town', 'north'));
      const sub = spawn('mosquitto_sub', [
        ...['-h', '127.0.0.1', '-p', String(mqttPort), '-u', 'radio-boots', '-P', 'radio-boots-secret-for-tests'],
        ...['-i', `boots-gateway-${run}`, '-q', '1', '-t', topics.zoneAlerts('town', 'north')],
      ]);
      children.push(sub);
      const online = Date.now() + 10_000;
      const both = () =>
        out.includes('"radio-boots","status":"online"') && out.includes('"radio-coop","status":"online"');
      while (!both() && Date.now() < online) await sleep(50);
      expect(out).toContain('"deviceId":"radio-boots","status":"online"');
      expect(out).toContain('"deviceId":"radio-coop","status":"online"');

      if (drop) radio.client.end(true); // the socket closes without DISCONNECT, as a radio losing power
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      sub.kill('SIGKILL');
      await radio.end().catch(() => undefined);

      const lines = out
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { level: number; msg: string; err?: { message?: string } });
      expect(lines.some((l) => l.msg === 'hub stopped')).toBe(true);
      // pino levels: 50 error, 60 fatal.
      const errors = lines.filter((l) => l.level >= 50).map((l) => `${l.msg}: ${l.err?.message ?? ''}`);
      expect(errors, `run ${run}`).toEqual([]);
      expect(out).not.toContain('mqemitter is closed');
    }
  }, 120_000);
});
