import { randomUUID } from 'node:crypto';
import type { AuthenticateError, Client, ConnectPacket, PublishPacket } from 'aedes';
import { MAX_CLIENT_ID_LENGTH, MAX_MESSAGE_BYTES, clientIdFor, isClientIdOf, parseInbound } from '@shopwatch/protocols';
import { canPublish } from '../auth/acl';
import type { DeviceAuthenticator } from '../auth/device-auth';
import type { Principal } from '../auth/principal';
import type { HubDirectory } from '../directory-interface';
import type { Logger } from '../log';
import type { Metrics } from '../metrics';
import { attach } from './connections';

/** AuthenticateError with an MQTT 3.1.1 CONNACK return code. */
function connackError(message: string, returnCode: 2 | 3 | 4 | 5): AuthenticateError {
  return Object.assign(new Error(message), { returnCode }) as AuthenticateError;
}

/** The checks every device message, and every last will, passes before the hub acts on it. */
export function checkDeviceMessage(p: Principal, packet: PublishPacket) {
  const size = packet.payload?.length ?? 0;
  if (size > MAX_MESSAGE_BYTES) {
    const reason = `payload of ${size} bytes exceeds ${MAX_MESSAGE_BYTES}`;
    return { ok: false as const, code: 'payload_too_large', reason };
  }
  const verdict = canPublish(p, packet.topic);
  if (!verdict.ok) return verdict;
  const parsed = parseInbound(verdict.topic, packet.payload);
  if (!parsed.ok) return { ok: false as const, code: 'bad_request', reason: parsed.reason };
  return { ok: true as const, message: parsed.message };
}

/**
 * A client that sends an empty client id gets one assigned, bound to the device it claims to
 * be ([MQTT-3.1.3-6]); authenticate() checks the claim. Only for clean sessions: a persistent
 * session needs an id the client knows ([MQTT-3.1.3-8]).
 */
export function preConnect(_client: Client, packet: ConnectPacket, done: (err: Error | null, ok: boolean) => void) {
  if (!packet.clientId && packet.clean && packet.username) packet.clientId = clientIdFor(packet.username, randomUUID());
  done(null, true);
}

type Refusal = 'unauthenticated' | 'identifier_rejected' | 'forbidden';

/**
 * Who may connect: a provisioned device with its secret (CONNACK 4 otherwise), under a client id
 * bound to it (rebound into its namespace if needed), and a last will it would be allowed to
 * publish itself (CONNACK 5).
 */
export class Admission {
  constructor(
    private deps: {
      devices: Pick<DeviceAuthenticator, 'authenticate'>;
      dir: Pick<HubDirectory, 'devicePrincipal'>;
      metrics: Pick<Metrics, 'refused'>;
      log: Logger;
    },
  ) {}

  async authenticate(
    client: Client,
    username: string | undefined,
    password: Buffer | undefined,
    done: (e: AuthenticateError | null, ok: boolean | null) => void,
  ) {
    const refuse = (why: string, code: Refusal, err: AuthenticateError) => {
      this.deps.log.warn({ clientId: client.id, deviceId: username, why }, 'MQTT connection refused');
      this.deps.metrics.refused.inc({ channel: 'mqtt', code });
      done(err, false);
    };
    const badCredentials = (why: string) => refuse(why, 'unauthenticated', connackError('bad device id or secret', 4));
    try {
      if (!username || !password) return badCredentials('no credentials');
      const device = await this.deps.devices.authenticate(username, password.toString('utf8'));
      if (!device) return badCredentials('unknown device or wrong secret');
      // A client id that is not already bound to this device is put in the device's own
      // namespace ("{deviceId}:{id}") before aedes registers the client, so it can never take
      // over the connection or inherit the persistent session of another device
      // [MQTT-3.1.4-2], while plain clients with their default ids (mqttjs_…, mosq-…) still
      // connect. Device ids cannot contain ":", so the namespaces cannot overlap.
      if (!isClientIdOf(device.id, client.id)) {
        if (client.id.length > MAX_CLIENT_ID_LENGTH) {
          const why = `client id longer than ${MAX_CLIENT_ID_LENGTH} characters`;
          return refuse(why, 'identifier_rejected', connackError(why, 2));
        }
        client.id = clientIdFor(device.id, client.id);
      }
      const conn = attach(client, device, await this.deps.dir.devicePrincipal(device));
      // aedes keeps the CONNECT's will on the client until the session is set up (not typed).
      const will = (client as unknown as { _will?: PublishPacket | null })._will;
      if (will) {
        const v = checkDeviceMessage(conn.principal, will);
        if (!v.ok) return refuse(`last will refused: ${v.reason}`, 'forbidden', connackError('last will refused', 5));
      }
      done(null, true);
    } catch (err) {
      this.deps.log.error({ err }, 'authentication failed');
      done(connackError('server unavailable', 3), false);
    }
  }
}
