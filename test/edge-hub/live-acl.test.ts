import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topics } from '@shopwatch/protocols';
import type { RunningHub } from '../../hub/src/hub';
import { type LiveEdge, TestViewer, login, startLiveEdge, startLiveHub } from './support/live';
import { TestDevice, grantedCodes, sleep } from '../../hub/test/support/mqtt';

/**
 * The live-request topic is the hub's alone, and each edge box hears only its own: checked from
 * the side of the box that must not be told to stop, and the device that must not overhear.
 */
let hub: RunningHub & { http: string; ws: string };
let edge: LiveEdge;

beforeAll(async () => {
  hub = await startLiveHub({ live: { graceMs: 1000 } });
  edge = await startLiveEdge(hub);
}, 60_000);

afterAll(async () => {
  await edge?.stop();
  await hub?.stop();
});

describe('live requests over MQTT', () => {
  const request = topics.liveRequest('town', 'edge-boots');

  it('lets only the edge box itself follow its live requests', async () => {
    const radio = await TestDevice.connect(hub.mqttPort, 'radio-boots', 'radio-boots-secret-for-tests');
    const control = await TestDevice.connect(hub.mqttPort, 'control-room', 'control-room-secret-for-tests');
    const otherEdge = await TestDevice.connect(hub.mqttPort, 'edge-argos', 'edge-argos-secret-for-tests');
    expect(await grantedCodes(radio.client, [request])).toEqual({ [request]: 128 });
    expect(await grantedCodes(control.client, [request, 'shopwatch/town/devices/+/live/request'])).toEqual({
      [request]: 128,
      'shopwatch/town/devices/+/live/request': 128,
    });
    expect(await grantedCodes(otherEdge.client, [request])).toEqual({ [request]: 128 });

    // A real request goes out (a viewer opens the camera): none of them receives it.
    const v = await TestViewer.open(
      hub.ws,
      await login(hub.http, 'operator', 'operator-password'),
      'edge-boots',
      'door',
    );
    await v.until(() => v.fragments.length >= 1);
    await v.close();
    await sleep(300);
    for (const d of [radio, control, otherEdge])
      expect(d.messages.filter((m) => m.topic.endsWith('/live/request'))).toEqual([]);
    await Promise.all([radio.end(), control.end(), otherEdge.end()]);
  }, 30_000);

  it('refuses a live request forged by a device: the box never hears it, even with the real stream id', async () => {
    const v = await TestViewer.open(hub.ws, await login(hub.http, 'admin', 'admin-password'), 'edge-boots', 'door');
    await v.until(() => v.fragments.length >= 1);
    const forger = await TestDevice.connect(hub.mqttPort, 'radio-coop', 'radio-coop-secret-for-tests');
    await forger.subscribe(topics.deviceErrors('town', 'radio-coop'));
    // The victim's side: a second connection of the box itself, following its live requests.
    const box = await TestDevice.connect(hub.mqttPort, 'edge-boots', 'edge-boots-secret-for-tests', {
      clientId: 'edge-boots:observer',
    });
    await box.subscribe(request);
    // Stream ids are 128 random bits known only to the hub and the box: a forger must guess one.
    // (The broker also never relays a device's publish, so the box would not even hear a forged
    // stop with the real id: that is the MQTT layer's own guarantee, tested with the broker.)
    await forger.publish(request, { action: 'stop', streamId: 'guessedStreamId0000000', cameraId: 'door' });
    const refusal = await forger.waitFor((m) => m.topic.endsWith('/errors'));
    expect(refusal.json.code).toBe('forbidden');
    const before = v.fragments.length;
    await v.until(() => v.fragments.length >= before + 5);
    expect(edge.streamer.streams.size).toBe(1);
    expect(v.messages.some((m) => m.type === 'ended')).toBe(false);
    // Not even a forged stop carrying the real stream id reaches the box: device publishes are
    // never relayed.
    const [streamId] = [...edge.streamer.streams.keys()];
    await forger.publish(request, { action: 'stop', streamId, cameraId: 'door' });
    await forger.waitFor((m) => m.topic.endsWith('/errors') && m !== refusal);
    await sleep(500);
    expect(box.messages.filter((m) => m.topic === request)).toEqual([]);
    expect(edge.streamer.streams.size).toBe(1);
    await box.end();
    await forger.end();
    await v.close();
  }, 30_000);
});
