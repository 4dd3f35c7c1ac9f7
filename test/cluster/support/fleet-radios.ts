import mqtt, { type MqttClient } from 'mqtt';
import { type AlertEvent, topics } from '@shopwatch/protocols';
import { fleetSecret } from '../../../hub/test/support/fleet';

/**
 * A store radio as the field runs it, connected through the front door: it subscribes to its
 * zone, confirms every alert event it receives, reconnects by itself (500 ms) when its replica
 * goes away, and records what it got so a test can count deliveries per alert.
 */
export class FleetRadio {
  /** Every alert event received, in arrival order (duplicates included). */
  readonly events: AlertEvent[] = [];
  connects = 0;
  /** performance.now() of the latest (re)connection. */
  connectedAt = 0;
  /** performance.now() of the latest loss of the connection. */
  closedAt = 0;

  private constructor(
    readonly id: string,
    readonly zone: string,
    readonly client: MqttClient,
    readonly scheme: string,
  ) {
    client.on('connect', () => {
      this.connects++;
      this.connectedAt = performance.now();
    });
    client.on('close', () => (this.closedAt = performance.now()));
    client.on('message', (_topic, payload) => {
      let ev: AlertEvent;
      try {
        ev = JSON.parse(payload.toString()) as AlertEvent;
      } catch {
        return;
      }
      if (!ev?.alert?.id) return;
      this.events.push(ev);
      // The receipt goes to whichever replica this radio is on now.
      client.publish(topics.alertReceipt(scheme, ev.alert.id), JSON.stringify({ eventSeq: ev.seq }), { qos: 1 });
    });
  }

  static async connect(port: number, id: string, zone: string, scheme = 'fleet'): Promise<FleetRadio> {
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
      username: id,
      password: fleetSecret(id),
      clientId: `${id}-fleet`,
      reconnectPeriod: 500,
      // CONNACK 3 "server unavailable" (the hub cannot reach its database) means: try again later.
      reconnectOnConnackError: true,
      connectTimeout: 5_000, // a connect that gets no CONNACK in 5 s is tried again
      keepalive: 30,
      resubscribe: true,
    });
    const radio = new FleetRadio(id, zone, client, scheme);
    radio.connects = 1;
    radio.connectedAt = performance.now();
    await client.subscribeAsync(topics.zoneAlerts(scheme, zone), { qos: 1 });
    return radio;
  }

  /** How many `kind` events of this alert arrived. */
  count(alertId: string, kind: AlertEvent['event'] = 'raised') {
    return this.events.filter((e) => e.alert.id === alertId && e.event === kind).length;
  }

  /** Raises an alert; resolves on PUBACK (the hub stored it), rejects if the connection drops first. */
  raise(clientRef: string) {
    const body = { type: 'shoplifting', severity: 'high', clientRef };
    return this.client.publishAsync(topics.alertRaise(this.scheme), JSON.stringify(body), { qos: 1 });
  }

  end() {
    this.client.end(true);
  }
}

/** Connects radios `batch` at a time (2 cores: a storm of 300 TLS-less connects is fine, but slower). */
export async function connectRadios(port: number, who: { id: string; zone: string; scheme?: string }[], batch = 50) {
  const radios: FleetRadio[] = [];
  for (let i = 0; i < who.length; i += batch) {
    const next = who.slice(i, i + batch).map((w) => FleetRadio.connect(port, w.id, w.zone, w.scheme));
    radios.push(...(await Promise.all(next)));
  }
  return radios;
}

export async function until(what: string, check: () => boolean | Promise<boolean>, ms = 15_000) {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
