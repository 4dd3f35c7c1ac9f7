import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { radioExampleArgs } from '../../scripts/demo/radio-example';
import { login, startTestHub } from './support/hub';

describe('the radio example printed by npm start', () => {
  let hub: Awaited<ReturnType<typeof startTestHub>>;
  beforeAll(async () => {
    hub = await startTestHub();
  });
  afterAll(async () => hub?.stop());

  it('subscribes at QoS 1, as the README says, and receives the zone’s events', async () => {
    const radio = {
      port: hub.mqttPort,
      device: 'radio-coop',
      secret: 'radio-coop-secret-for-tests',
      scheme: 'town',
      zone: 'north',
    };
    const args = radioExampleArgs(radio);
    expect(args[args.indexOf('-q') + 1]).toBe('1');
    // mosquitto_sub -d prints the granted QoS of its SUBACK: the subscription really is QoS 1.
    const sub = spawn('mosquitto_sub', ['-h', '127.0.0.1', ...args, '-d', '-C', '1', '-W', '15']);
    let out = '';
    sub.stdout.on('data', (d) => (out += d));
    // 'close', not 'exit': 'exit' may come before the child's output has been read.
    const exited = new Promise<number>((r) => sub.on('close', (code) => r(code ?? -1)));
    const end = Date.now() + 10_000;
    while (!out.includes('SUBACK') && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    const op = await login(hub.http, 'operator', 'operator-password');
    await fetch(`${hub.http}/api/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${op}` },
      body: JSON.stringify({
        type: 'suspicious',
        severity: 'low',
        store: 'coop',
        clientRef: 'radio-example',
        message: 'example',
      }),
    });
    expect(await exited).toBe(0);
    expect(out).toMatch(/Subscribed \(mid: \d+\): 1/);
    expect(out).toContain('"message":"example"');
  });
});
