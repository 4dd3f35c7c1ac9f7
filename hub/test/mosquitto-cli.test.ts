import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertEvent, clientIdFor, topics } from '@shopwatch/protocols';
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
    // Raised once the hub has the subscription in place (aedes emits 'subscribe' after adding it
    // and sending the SUBACK), so this is the live path; a raise before it would come by catch-up.
    const aedes = hub.services.broker.aedes;
    const subscribed = new Promise<void>((resolve) => {
      const onSubscribe = (_subs: unknown, client: { id: string } | null) => {
        if (client?.id !== clientIdFor('radio-coop', 'coop-gateway')) return; // the id the hub bound it to
        aedes.off('subscribe', onSubscribe);
        resolve();
      };
      aedes.on('subscribe', onSubscribe);
    });
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
      // -W only ends a client that never gets its message; generous, as the box may be loaded.
      '-W',
      '30',
    ]);
    let out = '';
    let err = '';
    sub.stdout.on('data', (d) => (out += d));
    sub.stderr.on('data', (d) => (err += d));
    // 'close', not 'exit': 'exit' may come before the child's stdout has been read. It did when
    // mosquitto_pub's exit was still pending on a busy loop: libuv reaps every exited child at
    // once, so mosquitto_sub's 'exit' came ahead of its output and `out` was still empty.
    const exited = new Promise<number>((r) => sub.on('close', (code) => r(code ?? -1)));
    const early = exited.then((code) => new Error(`mosquitto_sub ended (${code}) before subscribing: ${err}`));
    const ended = await Promise.race([subscribed, early]);
    if (ended) throw ended;

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
