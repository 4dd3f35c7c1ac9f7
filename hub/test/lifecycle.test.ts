import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config';
import { startHub } from '../src/hub';
import { type Step, startSteps } from '../src/lifecycle';
import { logger, setLogLevel } from '../src/log';
import { tempDir, testScheme, writeSeed } from './support/hub';
import { freePort } from './support/ports';

setLogLevel('silent'); // the failures below are on purpose
const log = logger('test:lifecycle');

/** Steps that write what happens to them into `journal`; `failing` throws on start. */
function steps(journal: string[], names: string[], failing?: string): Step<unknown>[] {
  return names.map((name) => ({
    name,
    start: async () => {
      if (name === failing) throw new Error(`${name} broke`);
      journal.push(`start ${name}`);
      return { stop: () => void journal.push(`stop ${name}`) };
    },
  }));
}

const listen = (port: number) =>
  new Promise<net.Server>((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(port, '127.0.0.1', () => resolve(s));
  });
const close = (s: net.Server) => new Promise((r) => s.close(r));

describe('start-up steps', () => {
  it('starts the steps in order and stops them in reverse', async () => {
    const journal: string[] = [];
    const stop = await startSteps(steps(journal, ['storage', 'broker', 'listeners']), null, log);
    await stop();
    expect(journal).toEqual([
      'start storage',
      'start broker',
      'start listeners',
      'stop listeners',
      'stop broker',
      'stop storage',
    ]);
  });

  it('stops the steps already started, in reverse, when one fails, and starts none after it', async () => {
    const journal: string[] = [];
    const run = startSteps(steps(journal, ['storage', 'broker', 'fan-out', 'listeners'], 'fan-out'), null, log);
    await expect(run).rejects.toThrow('fan-out broke');
    expect(journal).toEqual(['start storage', 'start broker', 'stop broker', 'stop storage']);
  });

  it('keeps stopping the other steps when one of them fails to stop', async () => {
    const journal: string[] = [];
    const broken: Step<unknown> = { name: 'broken', start: () => ({ stop: () => Promise.reject(new Error('no')) }) };
    const stop = await startSteps([...steps(journal, ['storage']), broken, ...steps(journal, ['listeners'])], 0, log);
    await stop();
    expect(journal).toEqual(['start storage', 'start listeners', 'stop listeners', 'stop storage']);
  });

  it('releases the MQTT port and the data dir when the hub cannot open its HTTP port', async () => {
    const dataDir = tempDir();
    const seed = writeSeed(dataDir, testScheme());
    const [mqttPort, httpPort] = [await freePort(), await freePort()];
    const taken = await listen(httpPort); // someone else holds the HTTP port
    const config = (http: number) =>
      loadConfig({}, { httpPort: http, mqttPort, host: '127.0.0.1', dataDir, seed, logLevel: 'silent' });
    try {
      await expect(startHub(config(httpPort))).rejects.toThrow(/EADDRINUSE/);
      // The MQTT listener the failed start had opened is closed again: the port can be taken.
      await close(await listen(mqttPort));
      // And a hub can start on the same data dir and ports once the HTTP port is free.
      await close(taken);
      const hub = await startHub(config(httpPort));
      expect(hub.mqttPort).toBe(mqttPort);
      await hub.stop();
    } finally {
      if (taken.listening) await close(taken);
    }
  });
});
