import mqtt, { type MqttClient } from 'mqtt';
import type { AlertEvent, DeviceError } from '@shopwatch/protocols';

export interface Received {
  topic: string;
  payload: string;
  json: any;
}

/** A real mqtt.js client that records everything it receives, with a `waitFor` helper. */
export class TestDevice {
  readonly messages: Received[] = [];
  private waiters: { pred: (m: Received) => boolean; resolve: (m: Received) => void }[] = [];

  private constructor(readonly client: MqttClient) {
    client.on('message', (topic, payload) => {
      let json: unknown = null;
      try {
        json = JSON.parse(payload.toString());
      } catch {}
      const m = { topic, payload: payload.toString(), json };
      this.messages.push(m);
      this.waiters = this.waiters.filter((w) => (w.pred(m) ? (w.resolve(m), false) : true));
    });
  }

  static async connect(port: number, id: string, secret: string, opts: mqtt.IClientOptions = {}): Promise<TestDevice> {
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
      username: id,
      password: secret,
      clientId: `${id}:${Math.random().toString(36).slice(2, 8)}`,
      reconnectPeriod: 0,
      connectTimeout: 5000,
      ...opts,
    });
    return new TestDevice(client);
  }

  async subscribe(topic: string | string[]) {
    return this.client.subscribeAsync(topic, { qos: 1 });
  }

  async publish(topic: string, body: unknown, qos: 0 | 1 = 1) {
    await this.client.publishAsync(
      topic,
      typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body),
      { qos },
    );
  }

  waitFor(pred: (m: Received) => boolean, timeoutMs = 5000, what = 'message'): Promise<Received> {
    const hit = this.messages.find(pred);
    if (hit) return Promise.resolve(hit);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
      this.waiters.push({ pred, resolve: (m) => (clearTimeout(t), resolve(m)) });
    });
  }

  /** Alert events received, in arrival order. */
  events(): AlertEvent[] {
    return this.messages.filter((m) => m.topic.endsWith('/alerts') && m.json?.event).map((m) => m.json as AlertEvent);
  }

  errors(): DeviceError[] {
    return this.messages.filter((m) => m.topic.endsWith('/errors')).map((m) => m.json as DeviceError);
  }

  waitForEvent(kind: AlertEvent['event'], alertId?: string, timeoutMs = 5000) {
    return this.waitFor(
      (m) => m.json?.event === kind && (!alertId || m.json.alert?.id === alertId),
      timeoutMs,
      `${kind} event`,
    ).then((m) => m.json as AlertEvent);
  }

  async end() {
    await this.client.endAsync();
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Subscribes to each filter and returns the granted QoS per filter (128 = refused). mqtt.js
 * rejects a SUBACK that refuses any filter, so the codes are read from the packet it carries.
 */
export async function grantedCodes(
  client: import('mqtt').MqttClient,
  filters: string[],
): Promise<Record<string, number>> {
  const req = Object.fromEntries(filters.map((f) => [f, { qos: 1 as const }]));
  try {
    const granted = await client.subscribeAsync(req);
    return Object.fromEntries(filters.map((f) => [f, granted.find((g) => g.topic === f)?.qos ?? -1]));
  } catch (err) {
    const codes = (err as { packet?: { granted?: (number | { qos: number })[] } }).packet?.granted;
    if (!codes) throw err;
    return Object.fromEntries(
      filters.map((f, i) => [
        f,
        typeof codes[i] === 'number' ? (codes[i] as number) : (codes[i] as { qos: number }).qos,
      ]),
    );
  }
}
