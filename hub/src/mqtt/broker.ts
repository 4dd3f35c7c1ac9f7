import net from 'node:net';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { Aedes, type AuthenticateError, type Client, type PublishPacket } from 'aedes';
import { createWebSocketStream, type WebSocket } from 'ws';
import { MAX_MESSAGE_BYTES, type DeviceError, TOPICS, hasWildcard, parsePayload, parseTopic, topics } from '@shopwatch/protocols';
import { canPublish, canSubscribe } from '../auth/acl';
import type { DeviceAuthenticator } from '../auth/device-auth';
import { HubError } from '../errors';
import type { Logger } from '../log';
import type { Directory } from '../directory';
import type { Repository } from '../storage/repository';
import type { Metrics } from '../metrics';
import { attach, connectionOf, markSent } from './connections';
import { handleInbound } from './inbound';
import { indexedMemoryPersistence } from './retained-index';
import type { AlertService } from '../alerts/service';
import type { CameraService } from '../devices/cameras';
import type { EvidenceService } from '../evidence/service';
import type { GallerySync } from '../gallery/sync';

export interface BrokerDeps {
  repo: Repository;
  dir: Directory;
  alerts: AlertService;
  cameras: CameraService;
  metrics: Metrics;
  devices: DeviceAuthenticator;
  evidence: EvidenceService;
  gallery: GallerySync;
  log: Logger;
}

/**
 * The embedded MQTT broker (aedes). Devices authenticate as themselves, publish only inbound
 * topics (validated and stored before PUBACK), and subscribe only to what they may see.
 * Device messages are never relayed as they are: the hub republishes what it accepted.
 */
export class Broker {
  readonly aedes: Aedes;
  private tcp: net.Server | null = null;
  /** Alert-event payloads the hub published, so forwarding can de-duplicate by seq cheaply. */
  readonly eventOfPayload = new WeakMap<Buffer, { seq: number; alertId: string }>();

  constructor(private deps: BrokerDeps) {
    this.aedes = new Aedes({
      heartbeatInterval: 60_000,
      connectTimeout: 10_000,
      maxClientsIdLength: 128,
      persistence: indexedMemoryPersistence(), // SUBSCRIBE must not scan every device's retained presence
      authenticate: (c, u, p, done) => void this.authenticate(c, u, p, done),
      authorizePublish: (c, packet, done) => void this.authorizePublish(c, packet, done),
      authorizeSubscribe: (c, sub, done) => void this.authorizeSubscribe(c, sub, done),
      authorizeForward: (c, packet) => this.authorizeForward(c, packet),
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
      this.aedes.handle(socket);
    });
    await new Promise<void>((resolve, reject) => {
      this.tcp!.once('error', reject);
      // backlog: a town's radios reconnecting at once must queue, not be reset (Node's default is 511).
      this.tcp!.listen({ port, host, backlog: 8192 }, () => resolve());
    });
    return (this.tcp.address() as net.AddressInfo).port;
  }

  /** MQTT over WebSocket, handed over by the HTTP server's upgrade dispatcher. */
  handleWebSocket(ws: WebSocket, req: IncomingMessage) {
    this.aedes.handle(createWebSocketStream(ws) as Duplex, req);
  }

  /** Publishes as the hub. Refuses wildcards: a topic built wrongly must not fan out widely. */
  publish(topic: string, payload: string | Buffer, opts: { qos?: 0 | 1; retain?: boolean } = {}): Promise<void> {
    if (hasWildcard(topic)) return Promise.reject(new Error(`refusing to publish on a wildcard topic: ${topic}`));
    const buf = typeof payload === 'string' ? Buffer.from(payload) : payload;
    return new Promise((resolve, reject) =>
      this.aedes.publish(
        { cmd: 'publish', topic, payload: buf, qos: opts.qos ?? 1, retain: opts.retain ?? false, dup: false },
        (err) => (err ? reject(err) : resolve()),
      ),
    );
  }


  async close() {
    await new Promise<void>((r) => this.aedes.close(() => r()));
    if (this.tcp) await new Promise<void>((r) => this.tcp!.close(() => r()));
  }

  // --- hooks --------------------------------------------------------------------------------

  private async authenticate(client: Client, username: string | undefined, password: Buffer | undefined, done: (e: AuthenticateError | null, ok: boolean | null) => void) {
    const refuse = (why: string) => {
      this.deps.log.warn({ clientId: client.id, deviceId: username, why }, 'MQTT connection refused');
      this.deps.metrics.refused.inc({ channel: 'mqtt', code: 'unauthenticated' });
      const err = new Error('bad device id or secret') as AuthenticateError;
      err.returnCode = 4; // BAD_USERNAME_OR_PASSWORD
      done(err, false);
    };
    try {
      if (!username || !password) return refuse('no credentials');
      const device = await this.deps.devices.authenticate(username, password.toString('utf8'));
      if (!device) return refuse('unknown device or wrong secret');
      attach(client, device, await this.deps.dir.devicePrincipal(device));
      done(null, true);
    } catch (err) {
      this.deps.log.error({ err }, 'authentication failed');
      const e = new Error('server unavailable') as AuthenticateError;
      e.returnCode = 3;
      done(e, false);
    }
  }

  /** Sends one device the reason its message was refused (it may subscribe to its errors topic). */
  private tellDevice(client: Client, topic: string, code: string, message: string) {
    const conn = connectionOf(client);
    if (!conn) return;
    const body: DeviceError = { code, message, topic, at: new Date().toISOString() };
    client.publish(
      { cmd: 'publish', topic: topics.deviceErrors(conn.device.scheme, conn.device.id), payload: Buffer.from(JSON.stringify(body)), qos: 0, retain: false, dup: false },
      () => {},
    );
  }

  private async authorizePublish(client: Client | null, packet: PublishPacket, done: (err?: Error | null) => void) {
    const conn = connectionOf(client);
    if (!client || !conn) return done(new Error('not authenticated'));
    packet.retain = false; // devices never leave retained messages behind
    const refuse = (code: string, reason: string) => {
      this.deps.log.warn({ deviceId: conn.device.id, topic: packet.topic, code, reason }, 'device message refused');
      this.deps.metrics.refused.inc({ channel: 'mqtt', code });
      this.tellDevice(client, packet.topic, code, reason);
      // [MQTT-3.3.5-2] a refused PUBLISH is acknowledged and dropped; authorizeForward never relays it.
      done(null);
    };
    const size = packet.payload?.length ?? 0;
    if (size > MAX_MESSAGE_BYTES) return refuse('payload_too_large', `payload of ${size} bytes exceeds ${MAX_MESSAGE_BYTES}`);
    const verdict = canPublish(conn.principal, packet.topic);
    if (!verdict.ok) return refuse(verdict.code, verdict.reason);
    const parsed = parsePayload(verdict.topic.kind, packet.payload as Buffer);
    if (!parsed.ok) return refuse('bad_request', parsed.reason);
    try {
      await handleInbound(this.deps, conn, verdict.topic, parsed.value);
      this.deps.metrics.inbound.inc({ kind: verdict.topic.kind });
      done(null);
    } catch (err) {
      if (err instanceof HubError) return refuse(err.code, err.message);
      // Not stored, so not acknowledged: dropping the connection makes the device retry.
      this.deps.log.error({ err, deviceId: conn.device.id, topic: packet.topic }, 'failed to handle device message');
      done(err as Error);
    }
  }

  private async authorizeSubscribe(client: Client, sub: { topic: string; qos: number }, done: (err: Error | null, sub?: any) => void) {
    const conn = connectionOf(client);
    if (!conn) return done(new Error('not authenticated'));
    try {
      const scheme = await this.deps.dir.scheme(conn.device.scheme);
      const v = canSubscribe(conn.principal, sub.topic, scheme.zones.map((z) => z.id));
      if (!v.ok) {
        this.deps.log.warn({ deviceId: conn.device.id, filter: sub.topic, reason: v.reason }, 'subscription refused');
        this.deps.metrics.refused.inc({ channel: 'mqtt', code: 'forbidden' });
        return done(null, null); // SUBACK 0x80 for this filter
      }
      done(null, sub);
    } catch (err) {
      this.deps.log.error({ err }, 'subscribe check failed');
      done(null, null);
    }
  }

  /** Topic → whether the hub may forward it; called once per subscriber, so parsed once per topic. */
  private forwardable = new Map<string, boolean>();

  private authorizeForward(client: Client, packet: any) {
    // Alert events the hub published: de-duplicate per connection by event seq.
    const ev = this.eventOfPayload.get(packet.payload);
    if (ev) {
      const conn = connectionOf(client);
      return conn && !markSent(conn, ev.seq, ev.alertId) ? null : packet;
    }
    let ok = this.forwardable.get(packet.topic);
    if (ok === undefined) {
      const t = parseTopic(packet.topic);
      ok = t !== null && TOPICS[t.kind].direction === 'out'; // device messages are never relayed
      if (this.forwardable.size > 10_000) this.forwardable.clear();
      this.forwardable.set(packet.topic, ok);
    }
    return ok ? packet : null;
  }
}

