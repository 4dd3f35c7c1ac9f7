import net from 'node:net';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { Aedes, type Client, type PublishPacket, type Subscription } from 'aedes';
import { createWebSocketStream, type WebSocket } from 'ws';
import { MAX_CLIENT_ID_LENGTH, type DeviceError, hasWildcard, topics } from '@shopwatch/protocols';
import { canSubscribe } from '../auth/acl';
import type { AlertHistory } from '../alerts/history';
import type { DeviceAuthenticator } from '../auth/device-auth';
import type { HubDirectory } from '../directory-interface';
import { HubError } from '../errors';
import type { Logger } from '../log';
import type { Metrics } from '../metrics';
import { Admission, checkDeviceMessage, preConnect } from './admission';
import { CatchUp } from './catch-up';
import { connectionOf } from './connections';
import { authorizeForward } from './forwarding';
import { type InboundServices, handleInbound } from './inbound';
import { MQTT_LIMITS, guardConnection, overRate } from './limits';
import { indexedMemoryPersistence } from './retained-index';
import type { BrokerEngines } from '../cluster/redis-broker';

/**
 * What the broker uses of the hub, each through the narrowest type: the domain services device
 * messages reach (inbound.ts), the stored history catch-up replays, the directory for who may
 * connect and subscribe. It publishes domain events only through the fan-outs (fanout.ts).
 */
export interface BrokerDeps extends InboundServices {
  history: AlertHistory;
  dir: Pick<HubDirectory, 'scheme' | 'devicePrincipal'>;
  metrics: Pick<Metrics, 'refused' | 'inbound'>;
  devices: Pick<DeviceAuthenticator, 'authenticate'>;
  log: Logger;
  /**
   * Cluster mode: the router and persistence that join this broker to the other nodes' (Redis).
   * Without them, one embedded broker with its state in memory.
   */
  engines?: BrokerEngines;
}

/** How long a cluster node's broker waits for its sessions to close before it drops Redis. */
const ENGINES_CLOSE_GRACE_MS = 3000;

/**
 * The embedded MQTT broker (aedes). Devices authenticate as themselves, publish only inbound
 * topics (validated and stored before PUBACK), and subscribe only to what they may see.
 * Device messages are never relayed: the hub handles them in authorizePublish and republishes
 * what it accepted, as itself.
 */
export class Broker {
  readonly aedes: Aedes;
  private tcp: net.Server | null = null;
  /** Every packet that went through authorizePublish: a device's message or will, never relayed. */
  private fromDevices = new WeakSet<object>();
  private catchUp: CatchUp;
  /** Device messages being stored: a stopping hub waits for them before storage closes. */
  private inFlight = new Set<Promise<unknown>>();

  constructor(private deps: BrokerDeps) {
    this.catchUp = new CatchUp({ history: deps.history, dir: deps.dir, log: deps.log });
    const admission = new Admission(deps);
    this.aedes = new Aedes({
      heartbeatInterval: 60_000,
      connectTimeout: MQTT_LIMITS.connectTimeoutMs,
      maxClientsIdLength: MAX_CLIENT_ID_LENGTH,
      preConnect,
      // In memory: SUBSCRIBE must not scan every device's retained presence (retained-index.ts).
      persistence: deps.engines?.persistence ?? indexedMemoryPersistence(),
      // Cluster: a publish on any node reaches the subscribers of every node. The hooks below work
      // the same on packets from other nodes: forwarding.ts reads the event seq from the payload.
      ...(deps.engines ? { mq: deps.engines.mq } : {}),
      authenticate: (c, u, p, done) => void admission.authenticate(c, u, p, done),
      authorizePublish: (c, packet, done) => void this.authorizePublish(c, packet, done),
      authorizeSubscribe: (c, sub, done) => void this.authorizeSubscribe(c, sub, done),
      authorizeForward: (c, packet) => authorizeForward(c, packet) as typeof packet | null,
    });
    // aedes relays a client's PUBLISH once authorizePublish calls back without an error, and an
    // error would close the connection. So the drop happens here, inside the broker, before the
    // packet reaches the router, retained store or session queues: whatever a client (or its
    // will) publishes is never relayed — accepted messages were handled and are republished by
    // the hub; refused ones were acknowledged ([MQTT-3.3.5-2]) and explained on the errors topic.
    // (Wills of sessions that are gone come back client-less from aedes' will sweep, hence the set.)
    type Done = (err?: Error | null) => void;
    // The typings omit the client argument aedes passes for client publishes.
    type Publish = (p: PublishPacket, c: Client | null, d: Done) => void;
    const relay = this.aedes.publish.bind(this.aedes) as unknown as Publish;
    this.aedes.publish = ((packet: PublishPacket, client?: Client | null | Done, done?: Done) => {
      if (typeof client === 'function') [done, client] = [client, null];
      if (client || this.fromDevices.has(packet)) return void process.nextTick(() => done?.(null));
      relay(packet, null, done ?? (() => {}));
    }) as unknown as Aedes['publish'];
    // Catch-up reads storage only once the broker routes the filter (catch-up.ts).
    this.aedes.on('connackSent', (_packet, client) => this.catchUp.connackSent(client));
    this.aedes.on('subscribe', (subs, client) =>
      this.catchUp.routed(
        client,
        subs.map((s) => s.topic),
      ),
    );
    const log = this.deps.log;
    this.aedes.on('connectionError', (_client, err) => log.debug({ err: err.message }, 'MQTT connection error'));
    this.aedes.on('clientError', (c, err) => log.debug({ clientId: c.id, err: err.message }, 'MQTT client error'));
    // Cluster: a Redis failure inside aedes (e.g. its will sweep) is an 'error' event; without a
    // listener it would end the process. Redis comes back; the node carries on.
    const events = this.aedes as unknown as NodeJS.EventEmitter;
    if (deps.engines) events.on('error', (err: Error) => log.warn({ err: err.message }, 'MQTT broker error'));
    // Alert events routed while Redis was away are lost to devices on this node: replay them.
    deps.engines?.onRoutingRestored(() => this.catchUpEveryone());
  }

  /** Hands one accepted socket to aedes, with its size and rate guard and an error handler. */
  private handle(conn: Duplex, req?: IncomingMessage) {
    const client = this.aedes.handle(conn, req as IncomingMessage);
    guardConnection(client, conn, {
      authenticated: () => connectionOf(client) !== undefined,
      violation: (why, detail) => {
        const deviceId = connectionOf(client)?.device.id;
        this.deps.log.warn({ clientId: client.id, deviceId, why, ...detail }, 'MQTT connection cut');
        this.deps.metrics.refused.inc({ channel: 'mqtt', code: why });
      },
    });
  }

  /** Sets up the broker's persistence; publishing works from here on. */
  async start() {
    await this.aedes.listen();
  }

  async listen(port: number, host: string): Promise<number> {
    // TCP_NODELAY: without it a QoS 1 round trip waits for Nagle + delayed ACK (~40 ms).
    this.tcp = net.createServer({ noDelay: true }, (socket) => {
      socket.setNoDelay(true);
      this.handle(socket);
    });
    await new Promise<void>((resolve, reject) => {
      this.tcp!.once('error', reject);
      // backlog: a town's radios reconnecting at once must queue, not be reset (Node's default is 511).
      this.tcp!.listen({ port, host, backlog: 8192 }, () => resolve());
    });
    this.tcp.on('error', (err) => this.deps.log.error({ err }, 'MQTT listener error'));
    return (this.tcp.address() as net.AddressInfo).port;
  }

  /** MQTT over WebSocket, handed over by the HTTP server's upgrade dispatcher. */
  handleWebSocket(ws: WebSocket, req: IncomingMessage) {
    ws.on('error', () => {}); // the stream below reports it to aedes; this keeps it from being unhandled
    this.handle(createWebSocketStream(ws) as Duplex, req);
  }

  /** Publishes as the hub. Refuses wildcards: a topic built wrongly must not fan out widely. */
  publish(topic: string, payload: string | Buffer, opts: { qos?: 0 | 1; retain?: boolean } = {}): Promise<void> {
    if (hasWildcard(topic)) return Promise.reject(new Error(`refusing to publish on a wildcard topic: ${topic}`));
    // Stopping: work that was in flight (a presence change, a fan-out) may still publish. Nothing
    // is lost by dropping it: storage is the source of truth, catch-up re-sends every unreceipted
    // event and presence is republished at the next start.
    if (this.aedes.closed) {
      this.deps.log.debug({ topic }, 'publish dropped: the broker has closed');
      return Promise.resolve();
    }
    const buf = typeof payload === 'string' ? Buffer.from(payload) : payload;
    return new Promise((resolve, reject) =>
      this.aedes.publish(
        { cmd: 'publish', topic, payload: buf, qos: opts.qos ?? 1, retain: opts.retain ?? false, dup: false },
        (err) => (err ? reject(err) : resolve()),
      ),
    );
  }

  /**
   * Drain: stops taking MQTT connections, ends the open ones (over TCP and WebSocket) so devices
   * reconnect, through the front door, to another replica, then waits for the device messages
   * still being stored. A message stored here whose PUBACK the close cut off is sent again by its
   * device elsewhere and taken once (alerts by clientRef, receipts and acks are idempotent).
   */
  async disconnectAll(): Promise<void> {
    const tcp = this.tcp;
    this.tcp = null;
    const closed = tcp ? new Promise<void>((r) => tcp.close(() => r())) : Promise.resolve();
    for (const client of this.connectedClients()) client.close();
    await Promise.allSettled([...this.inFlight]);
    await closed;
  }

  async close() {
    const closed = new Promise<void>((r) => this.aedes.close(() => r()));
    // Cluster: closing sessions and the router waits on Redis; while Redis is away that would be
    // for ever, so after a grace the Redis connections are dropped and what waited fails.
    const grace = new Promise<void>((r) => setTimeout(r, ENGINES_CLOSE_GRACE_MS).unref());
    await (this.deps.engines ? Promise.race([closed, grace]) : closed);
    await this.deps.engines?.close();
    const tcp = this.tcp;
    this.tcp = null;
    if (tcp) await new Promise<void>((r) => tcp.close(() => r()));
  }

  // --- hooks --------------------------------------------------------------------------------

  /**
   * Catches every connected device up again from storage (each is sent only events it has not
   * receipted and this connection has not sent), e.g. after the cluster's router was away.
   */
  private catchUpEveryone() {
    let n = 0;
    for (const client of this.connectedClients()) {
      if (!connectionOf(client)?.zones.size) continue;
      this.catchUp.again(client);
      n++;
    }
    this.deps.log.info({ devices: n }, 'message routing restored: catching devices up from storage');
  }

  /** aedes keeps its connected clients by id; its typings leave the map out. */
  private connectedClients(): Client[] {
    return Object.values((this.aedes as unknown as { clients: Record<string, Client> }).clients);
  }

  /** Sends one device the reason its message was refused (it may subscribe to its errors topic). */
  private tellDevice(client: Client, topic: string, code: string, message: string) {
    const conn = connectionOf(client);
    if (!conn) return;
    const body: DeviceError = { code, message, topic, at: new Date().toISOString() };
    const errors = topics.deviceErrors(conn.device.scheme, conn.device.id);
    const payload = Buffer.from(JSON.stringify(body));
    client.publish({ cmd: 'publish', topic: errors, payload, qos: 0, retain: false, dup: false }, () => {});
  }

  /**
   * Every PUBLISH from a device, and every will when it fires. Whatever the verdict, the packet
   * is not relayed (see the constructor); refusing here means: nothing changes, the device is
   * told why, and it gets its PUBACK and stays connected.
   */
  private async authorizePublish(client: Client | null, packet: PublishPacket, done: (err?: Error | null) => void) {
    this.fromDevices.add(packet);
    const conn = connectionOf(client);
    if (!client || !conn) return done(null); // a will of a session that is no longer here
    packet.retain = false; // devices never leave retained messages behind
    const refuse = (code: string, reason: string) => {
      this.deps.log.warn({ deviceId: conn.device.id, topic: packet.topic, code, reason }, 'device message refused');
      this.deps.metrics.refused.inc({ channel: 'mqtt', code });
      this.tellDevice(client, packet.topic, code, reason);
      done(null);
    };
    if (overRate.has(packet)) {
      this.deps.metrics.refused.inc({ channel: 'mqtt', code: 'rate_limited' });
      // One explanation per second is enough; answering each packet of a flood would double it.
      const now = Date.now();
      if (now - conn.rateNoticeAt >= 1000) {
        conn.rateNoticeAt = now;
        const why = `more than ${MQTT_LIMITS.packetsPerSecond} packets per second`;
        this.tellDevice(client, packet.topic, 'rate_limited', why);
      }
      return done(null);
    }
    const checked = checkDeviceMessage(conn.principal, packet);
    if (!checked.ok) return refuse(checked.code, checked.reason);
    const handled = handleInbound(this.deps, conn, checked.message);
    this.inFlight.add(handled);
    try {
      await handled;
      this.deps.metrics.inbound.inc({ kind: checked.message.kind });
      done(null);
    } catch (err) {
      // 'unavailable' (the database is unreachable) is not a verdict on the message: nothing was
      // stored, so it must not be acknowledged either (fail closed); it is retried like below.
      if (err instanceof HubError && err.code !== 'unavailable') return refuse(err.code, err.message);
      // Not stored, so not acknowledged: dropping the connection makes the device retry.
      this.deps.log.error({ err, deviceId: conn.device.id, topic: packet.topic }, 'failed to handle device message');
      done(err as Error);
    } finally {
      this.inFlight.delete(handled);
    }
  }

  private async authorizeSubscribe(
    client: Client,
    sub: Subscription,
    done: (err: Error | null, sub?: Subscription | null) => void,
  ) {
    const conn = connectionOf(client);
    if (!conn) return done(new Error('not authenticated'));
    try {
      const scheme = await this.deps.dir.scheme(conn.device.scheme);
      const v = canSubscribe(
        conn.principal,
        sub.topic,
        scheme.zones.map((z) => z.id),
      );
      if (!v.ok) {
        this.deps.log.warn({ deviceId: conn.device.id, filter: sub.topic, reason: v.reason }, 'subscription refused');
        this.deps.metrics.refused.inc({ channel: 'mqtt', code: 'forbidden' });
        return done(null, null); // SUBACK 0x80 for this filter
      }
      // From here on live alert events wait until this device has been caught up (catch-up.ts).
      this.catchUp.request(client, sub.topic, v.zones);
      done(null, sub);
    } catch (err) {
      this.deps.log.error({ err }, 'subscribe check failed');
      done(null, null);
    }
  }
}
