import fs from 'node:fs';
import path from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CameraStatus, type DeviceSummary, topics } from '@shopwatch/protocols';
import { login, startTestHub, tempDir } from '../../hub/test/support/hub';
import { type AgentProcess, startAgentProcess } from '../../edge-agent/test/support/agent-process';
import { testVideo } from '../../scripts/demo/media';
import { memoryDir } from '../../edge-agent/test/support/memory-dir';
import { type RtspServer, startRtspServer } from '../../edge-agent/test/support/rtsp-server';

/** Every piece of the camera credentials below: none may appear anywhere a person can read. */
const SECRETS = ['p@ssw0rd', 'ssw0rd', 'admin', 'secret', 'viewer'];
const leaks = (text: string) => SECRETS.filter((s) => text.includes(s));

describe('camera passwords never reach the control room or the logs (issue 17.2)', () => {
  let hub: Awaited<ReturnType<typeof startTestHub>>;
  let rtsp: RtspServer;
  let agent: AgentProcess | null = null;
  let radio: mqtt.MqttClient;
  const retained = new Map<string, string>();
  const dirs: string[] = [];
  const devicesAs = async (token: string) => {
    const res = await fetch(`${hub.http}/api/devices`, { headers: { authorization: `Bearer ${token}` } });
    return (await res.json()) as DeviceSummary[];
  };

  beforeAll(async () => {
    [hub, rtsp] = await Promise.all([startTestHub(), startRtspServer({ mounts: { cam1: await testVideo() } })]);
    // The control room's tablet: a real MQTT client that receives the retained camera statuses.
    radio = await mqtt.connectAsync(`mqtt://127.0.0.1:${hub.mqttPort}`, {
      username: 'control-room',
      password: 'control-room-secret-for-tests',
      clientId: 'control-room-test',
    });
    radio.on('message', (topic, payload) => retained.set(topic, payload.toString()));
    await radio.subscribeAsync(`shopwatch/town/devices/+/cameras/+/status`, { qos: 1 });
  }, 60_000);
  afterAll(async () => {
    await agent?.stop();
    await radio?.endAsync();
    await rtsp?.close();
    await hub?.stop();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it('redacts a password holding "@", credential query parameters and ffmpeg errors quoting the URL', async () => {
    const dir = tempDir('shopwatch-edge-secrets-');
    const ring = memoryDir();
    dirs.push(dir, ring);
    const host = new URL(rtsp.url('cam1')).host; // 127.0.0.1:port of a real RTSP server
    const small = { width: 64, height: 48 };
    agent = startAgentProcess(
      {
        hub: { mqttUrl: `mqtt://127.0.0.1:${hub.mqttPort}`, httpUrl: hub.http },
        device: { id: 'edge-boots', secret: 'edge-boots-secret-for-tests', scheme: 'town' },
        cameras: [
          // No such streams: the server answers 404 and ffmpeg's error quotes each URL as typed.
          { id: 'cam-at', name: 'Till', url: `rtsp://admin:p@ssw0rd@${host}/nosuch`, detectSize: small },
          {
            id: 'cam-query',
            name: 'Door',
            url: `rtsp://${host}/nosuch?user=viewer&password=secret`,
            detectSize: small,
          },
        ],
        spool: { dir: path.join(dir, 'spool'), quotaBytes: '50MB' },
        evidence: { bufferDir: ring },
        watchdog: { backoffInitialMs: 2000 },
      },
      dir,
    );

    const camTopic = (id: string) => topics.cameraStatus('town', 'edge-boots', id);
    const op = await login(hub.http, 'operator', 'operator-password');
    const devices = await until('both camera errors at the hub', 45_000, async () => {
      const list = await devicesAs(op);
      const cams = list.find((d) => d.id === 'edge-boots')?.cameras ?? [];
      const done = ['cam-at', 'cam-query'].every((id) => cams.find((c) => c.cameraId === id && c.status === 'error'));
      return done && retained.has(camTopic('cam-at')) && retained.has(camTopic('cam-query')) ? list : null;
    });
    const cams = devices.find((d) => d.id === 'edge-boots')!.cameras;
    for (const c of cams) {
      // The reason is there and useful (it names the stream and the server's answer)...
      expect(c.reason).toMatch(/404/);
      expect(c.reason).toContain(`${host}/nosuch`);
      // ...and holds no part of the credentials.
      expect(leaks(c.reason!)).toEqual([]);
    }
    expect(cams.find((c) => c.cameraId === 'cam-at')!.reason).toContain(`rtsp://***@${host}/nosuch`);
    expect(cams.find((c) => c.cameraId === 'cam-query')!.reason).toContain('user=***&password=***');

    for (const id of ['cam-at', 'cam-query']) {
      const status = CameraStatus.parse(JSON.parse(retained.get(camTopic(id))!));
      expect(status.status).toBe('error');
      expect(leaks(JSON.stringify(status))).toEqual([]);
    }

    // The agent's own log lines: the camera errors are logged, without the credentials.
    await agent.stop();
    const log = agent.output();
    expect(log).toMatch(/camera error/);
    expect(log).toContain(`${host}/nosuch`);
    expect(leaks(log)).toEqual([]);
    expect(log).not.toContain('edge-boots-secret-for-tests');
  }, 90_000);

  it('sanitises a camera status an edge box sends with a password in it, before the control room sees it', async () => {
    // A box running older software (or a compromised one) quotes the URL in full.
    const edge = await mqtt.connectAsync(`mqtt://127.0.0.1:${hub.mqttPort}`, {
      username: 'edge-boots',
      password: 'edge-boots-secret-for-tests',
      clientId: 'edge-boots-raw',
    });
    const reason = 'rtsp://admin:p@ssw0rd@10.0.0.1/s?user=viewer&password=secret: Server returned 401 Unauthorized';
    const topic = topics.cameraReport('town', 'edge-boots', 'cam-raw');
    await edge.publishAsync(topic, JSON.stringify({ status: 'error', reason }), { qos: 1 });
    await edge.endAsync();
    const status = topics.cameraStatus('town', 'edge-boots', 'cam-raw');
    const got = await until('the republished status', 10_000, async () => retained.get(status));
    expect(JSON.parse(got).reason).toBe(
      'rtsp://***@10.0.0.1/s?user=***&password=***: Server returned 401 Unauthorized',
    );
    const op = await login(hub.http, 'operator', 'operator-password');
    const list = await devicesAs(op);
    const cam = list.find((d) => d.id === 'edge-boots')!.cameras.find((c) => c.cameraId === 'cam-raw')!;
    expect(leaks(JSON.stringify(cam))).toEqual([]);
  }, 30_000);
});

async function until<T>(what: string, timeoutMs: number, fn: () => Promise<T | null | undefined | false>): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
