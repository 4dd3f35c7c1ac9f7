import type { Duplex } from 'node:stream';
import type { Client } from 'aedes';
import { MAX_MESSAGE_BYTES } from '@shopwatch/protocols';

/**
 * Bounds on what one MQTT connection may cost the hub, enforced while its bytes are parsed.
 * Documented in protocols/README.md ("Limits").
 */
export const MQTT_LIMITS = {
  /** Before the device is authenticated: a CONNECT with credentials and a will fits easily. */
  maxPacketBytesBeforeAuth: MAX_MESSAGE_BYTES + 4096,
  /**
   * After authentication. Payloads over MAX_MESSAGE_BYTES (64 KiB) up to this size are still
   * read, refused with `payload_too_large` and explained; a bigger packet closes the connection
   * (MQTT 3.1.1 has no way to refuse a packet without reading it).
   */
  maxPacketBytes: 1024 * 1024 + 4096,
  /** A socket that has not sent a complete CONNECT by then is closed. */
  connectTimeoutMs: 5_000,
  /** Packets per second a connection may send on average (token bucket refill)... */
  packetsPerSecond: 1_000,
  /** ...and in one burst. Beyond it PUBLISHes are refused with `rate_limited`. */
  packetBurst: 2_000,
  /** A connection still over the limit this long after it first went over it is closed. */
  floodCloseAfterMs: 1_000,
} as const;

/** The parts of aedes' client and mqtt-packet's parser the guard hooks into (not in their typings). */
interface ParserInternals {
  packet: { length: number };
  _parseLength(): boolean;
  prependListener(event: 'packet', fn: (packet: { cmd: string }) => void): void;
}

export interface GuardEvents {
  /** Whether the connection has authenticated (raises the packet size limit). */
  authenticated(): boolean;
  /** A packet over the size limit or a flood: the socket is destroyed after this. */
  violation(why: 'packet_too_large' | 'flood', detail: Record<string, unknown>): void;
}

/** PUBLISH packets that arrived over the connection's rate; authorizePublish refuses them. */
export const overRate = new WeakSet<object>();

/**
 * Guards one connection: checks the announced MQTT remaining length as soon as its header is
 * parsed, so an oversized packet is cut off before its body is buffered (mqtt-packet has no
 * limit of its own), and meters packets with a token bucket. `conn` gets an error handler, so
 * garbage or a reset closes this socket only.
 */
export function guardConnection(client: Client, conn: Duplex, ev: GuardEvents, limits = MQTT_LIMITS): void {
  conn.on('error', () => {}); // aedes also listens; this keeps a late error from being unhandled
  const parser = (client as unknown as { _parser: ParserInternals })._parser;
  const cut = (why: 'packet_too_large' | 'flood', detail: Record<string, unknown>) => {
    ev.violation(why, detail);
    conn.destroy();
  };

  // mqtt-packet dispatches its states by name on the instance, so this override runs in the
  // parse loop right after the remaining length is read and before any body byte is kept.
  const parseLength = parser._parseLength.bind(parser);
  parser._parseLength = () => {
    if (!parseLength()) return false;
    const max = ev.authenticated() ? limits.maxPacketBytes : limits.maxPacketBytesBeforeAuth;
    if (parser.packet.length <= max) return true;
    cut('packet_too_large', { announced: parser.packet.length, max });
    return false; // stops the parse loop; the socket is gone
  };

  let tokens: number = limits.packetBurst;
  let last = Date.now();
  let overSince: number | null = null;
  parser.prependListener('packet', (packet) => {
    const now = Date.now();
    tokens = Math.min(limits.packetBurst, tokens + ((now - last) / 1000) * limits.packetsPerSecond);
    last = now;
    // The flood episode ends only once the client has calmed down enough to refill half its burst.
    if (overSince !== null && tokens >= limits.packetBurst / 2) overSince = null;
    if (tokens >= 1) {
      tokens -= 1;
      return;
    }
    if (packet.cmd === 'publish') overRate.add(packet);
    overSince ??= now;
    if (now - overSince >= limits.floodCloseAfterMs) cut('flood', { overForMs: now - overSince });
  });
}
