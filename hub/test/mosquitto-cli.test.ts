import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertEvent, topics } from '@shopwatch/protocols';
import { startTestHub } from './support/hub';

const run = promisify(execFile);

/** Debian's mosquitto clients as a third-party radio gateway: nothing ShopWatch-specific. */
describe('a third-party MQTT client (mosquitto_pub / mosquitto_sub)', () => {
  let hub: Awaited<ReturnType<typeof startTestHub>>;
  beforeAll(async () => {
    hub = await startTestHub();
  });
  afterAll(async () => hub?.stop());

  it('raises an alert with mosquitto_pub and receives its event with mosquitto_sub', async () => {
    const sub = spawn('mosquitto_sub', [
      '-h',
      '127.0.0.1',
      '-p',
      String(hub.mqttPort),
      '-u',
      'radio-coop',
      '-P',
      'radio-coop-secret-for-tests',
      '-i',
      'coop-gateway',
      '-q',
      '1',
      '-t',
      topics.zoneAlerts('town', 'north'),
      '-C',
      '1',
      '-W',
      '10',
    ]);
    let out = '';
    sub.stdout.on('data', (d) => (out += d));
    const exited = new Promise<number>((r) => sub.on('exit', (code) => r(code ?? -1)));
    await new Promise((r) => setTimeout(r, 500)); // let it subscribe

    await run('mosquitto_pub', [
      '-h',
      '127.0.0.1',
      '-p',
      String(hub.mqttPort),
      '-u',
      'radio-boots',
      '-P',
      'radio-boots-secret-for-tests',
      '-q',
      '1',
      '-t',
      topics.alertRaise('town'),
      '-m',
      JSON.stringify({ type: 'shoplifting', severity: 'high', message: 'from a gateway', clientRef: 'cli-1' }),
    ]);

    expect(await exited).toBe(0);
    const event = AlertEvent.parse(JSON.parse(out));
    expect(event).toMatchObject({
      event: 'raised',
      alert: { clientRef: 'cli-1', store: 'boots', message: 'from a gateway', raisedBy: { id: 'radio-boots' } },
    });

    // It confirms receipt with an empty JSON object, as the contract allows.
    await run('mosquitto_pub', [
      '-h',
      '127.0.0.1',
      '-p',
      String(hub.mqttPort),
      '-u',
      'radio-coop',
      '-P',
      'radio-coop-secret-for-tests',
      '-q',
      '1',
      '-t',
      topics.alertReceipt('town', event.alert.id),
      '-m',
      '{}',
    ]);
    const [full] = await hub.services.alerts.withDeliveries([(await hub.services.repo.getAlert(event.alert.id))!]);
    expect(full!.deliveries.map((d) => d.deviceId)).toEqual(['radio-coop']);
  });

  it('refuses mosquitto_pub with a wrong password', async () => {
    await expect(
      run('mosquitto_pub', [
        '-h',
        '127.0.0.1',
        '-p',
        String(hub.mqttPort),
        '-u',
        'radio-boots',
        '-P',
        'wrong',
        '-q',
        '1',
        '-t',
        topics.alertRaise('town'),
        '-m',
        '{}',
      ]),
    ).rejects.toMatchObject({ stderr: expect.stringMatching(/not authori[sz]ed|bad user name or password/i) });
  });
});
