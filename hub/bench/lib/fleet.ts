import mqtt, { type MqttClient } from 'mqtt';
import { now } from './stats';

/** Arrival times per message key, per subscriber. */
export type Arrivals = Map<string, number[]>;

/**
 * Connects `ids.length` subscribers, `concurrency` at a time, each subscribing to its topic.
 * Every message's key (from `keyOf`) and arrival time is recorded.
 */
export async function connectFleet(
  url: string,
  subs: { id: string; secret?: string; topic: string }[],
  keyOf: (payload: Buffer) => string,
  concurrency = 50,
): Promise<{ clients: MqttClient[]; arrivals: Arrivals; received: Map<string, number> }> {
  const arrivals: Arrivals = new Map();
  const received = new Map<string, number>();
  const clients: MqttClient[] = [];
  for (let i = 0; i < subs.length; i += concurrency) {
    const batch = await Promise.all(
      subs.slice(i, i + concurrency).map(async (s) => {
        const c = await mqtt.connectAsync(url, {
          username: s.secret ? s.id : undefined,
          password: s.secret,
          clientId: `${s.id}:bench`,
          reconnectPeriod: 0,
          keepalive: 120,
          connectTimeout: 60_000,
        });
        await c.subscribeAsync(s.topic, { qos: 1 });
        c.on('message', (_t, payload) => {
          const t = now();
          const key = keyOf(payload);
          let list = arrivals.get(key);
          if (!list) arrivals.set(key, (list = []));
          list.push(t);
          received.set(s.id, (received.get(s.id) ?? 0) + 1);
        });
        return c;
      }),
    );
    clients.push(...batch);
  }
  return { clients, arrivals, received };
}

export async function closeFleet(clients: MqttClient[]) {
  await Promise.all(clients.map((c) => c.endAsync(true)));
}

/** Waits until `count(key)` reaches `n` for every key, or the time-out passes. */
export async function waitForArrivals(arrivals: Arrivals, keys: string[], n: number, timeoutMs: number) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (keys.every((k) => (arrivals.get(k)?.length ?? 0) >= n)) return true;
    await new Promise((r) => setTimeout(r, 2));
  }
  return false;
}
