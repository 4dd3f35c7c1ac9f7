/**
 * The HAProxy front door of a cluster of hub replicas (issue 14), written from one place so the
 * file checked in for docker compose (deploy/haproxy.cfg) and the ones the cluster tests start
 * cannot drift apart. HAProxy 2.6 (Debian 12).
 *
 * - MQTT over TCP: `mode tcp`, `balance leastconn` — connections live for hours, so the replica
 *   with the fewest is the right one, not the next in turn.
 * - HTTP, the browser WebSocket `/ws` and MQTT over WebSocket `/mqtt`: `mode http` (HAProxy
 *   passes the upgrade through and then applies `timeout tunnel`), also `leastconn`, since most
 *   of what it carries are long-lived WebSockets.
 * - Health: `GET /readyz` on each replica's HTTP port, for both backends (the MQTT one checks the
 *   HTTP port with `port`), every second, down after 2 failures. A draining replica answers 503
 *   (see drainSeconds in config.ts), so it leaves the rotation ~2 s after SIGTERM while it
 *   still serves; a dead one refuses connections, and `option redispatch` + `retries` send a
 *   connection attempt that hit it to another replica before the check has noticed.
 */
export interface HubServer {
  name: string;
  host: string;
  mqttPort: number;
  httpPort: number;
}

export interface FrontDoorOptions {
  servers: readonly HubServer[];
  /** `host:port` (or `:port`) HAProxy listens on for MQTT over TCP. */
  mqttBind: string;
  /** ... and for HTTP and both WebSockets. */
  httpBind: string;
  /** `host:port` of the statistics page, or none. */
  statsBind?: string;
  /** Most connections at once (devices + browsers); HAProxy sizes its file descriptors from it. */
  maxconn?: number;
  /**
   * The resolver of the container network (docker's 127.0.0.11): servers are named by service
   * and may not resolve yet when HAProxy starts; `init-addr none` lets it start anyway.
   */
  dockerDns?: boolean;
  /** Where the log goes: `stdout` in a container; none in tests. */
  log?: 'stdout';
}

/**
 * File descriptors HAProxy needs beyond two per proxied connection (client and server side):
 * listeners, health checks, its pollers and stdio. Measured: HAProxy 2.6 asks for
 * 2 x maxconn + 28 with this configuration and three replicas; 100 leaves room for more.
 */
export const FD_RESERVE = 100;

/** Descriptors a HAProxy process with this maxconn needs (its `ulimit -n` must allow them). */
export const fdsFor = (maxconn: number) => 2 * maxconn + FD_RESERVE;

/**
 * The largest maxconn one HAProxy process can serve under `fdLimit` descriptors. Under this
 * machine's 20,000 that is 9,950 — short of 10,000 devices: raise the limit (compose does), or
 * run two processes on the same ports (SO_REUSEPORT, HAProxy's default on Linux).
 */
export const maxconnFor = (fdLimit: number) => Math.max(1, Math.floor((fdLimit - FD_RESERVE) / 2));

/** Health-check timing: a draining replica is out after fall x inter = 2 s (drainSeconds is 5). */
export const CHECK = { interMs: 1000, fall: 2, rise: 2 } as const;

/**
 * Builds the configuration text.
 * @example haproxyConfig({ servers: [{ name: 'hub-1', host: 'hub-1', mqttPort: 1883, httpPort: 8080 }],
 *   mqttBind: ':1883', httpBind: ':8080' })
 */
export function haproxyConfig(o: FrontDoorOptions): string {
  // `observe layer4`: refused connections in real traffic count too, so a killed replica is
  // marked down at once instead of after `fall` checks — leastconn would otherwise send every
  // reconnecting device to it first, since it holds the fewest connections (none).
  const check =
    `check inter ${CHECK.interMs} fall ${CHECK.fall} rise ${CHECK.rise}` +
    ' observe layer4 error-limit 2 on-error mark-down';
  const dns = o.dockerDns ? ' resolvers docker init-addr last,libc,none' : '';
  const server = (s: HubServer, port: number, extra = '') =>
    `  server ${s.name} ${s.host}:${port} ${check}${extra}${dns}`;
  const lines = [
    '# ShopWatch front door: written by hub/src/cluster/haproxy-config.ts (npm run haproxy:config).',
    'global',
    `  maxconn ${o.maxconn ?? 20000}`,
    ...(o.log ? ['  log stdout format raw local0 info'] : []),
    '',
    ...(o.dockerDns
      ? ['resolvers docker', '  nameserver dns 127.0.0.11:53', '  hold valid 10s', '  accepted_payload_size 8192', '']
      : []),
    'defaults',
    ...(o.log ? ['  log global'] : []),
    '  timeout connect 2s',
    // A replica that was just killed refuses the connection: try another instead of failing.
    '  retries 3',
    '  option redispatch 1',
    '  timeout check 2s',
    '',
    'frontend mqtt',
    '  mode tcp',
    ...(o.log ? ['  option tcplog'] : []),
    `  bind ${o.mqttBind}`,
    // Longer than 1.5 x the MQTT keep-alive devices use (60 s), so only a dead peer is cut.
    '  timeout client 3m',
    '  default_backend hub_mqtt',
    '',
    'backend hub_mqtt',
    '  mode tcp',
    '  balance leastconn',
    '  timeout server 3m',
    '  option httpchk',
    // HTTP/1.1 with a Host: the hub answers HAProxy's default (HTTP/1.0, no Host) 400.
    '  http-check send meth GET uri /readyz ver HTTP/1.1 hdr Host hub',
    '  http-check expect status 200',
    ...o.servers.map((s) => server(s, s.mqttPort, ` port ${s.httpPort}`)),
    '',
    'frontend http',
    '  mode http',
    ...(o.log ? ['  option httplog'] : []),
    `  bind ${o.httpBind}`,
    '  option forwardfor',
    '  timeout client 60s',
    '  timeout http-request 10s',
    '  default_backend hub_http',
    '',
    'backend hub_http',
    '  mode http',
    '  balance leastconn',
    '  timeout server 60s',
    // After an upgrade (/ws, /mqtt, live view) the connection is a tunnel: idle up to this long.
    '  timeout tunnel 1h',
    '  option httpchk',
    '  http-check send meth GET uri /readyz ver HTTP/1.1 hdr Host hub',
    '  http-check expect status 200',
    ...o.servers.map((s) => server(s, s.httpPort)),
    ...(o.statsBind
      ? ['', 'frontend stats', '  mode http', `  bind ${o.statsBind}`, '  timeout client 30s', '  stats enable']
      : []),
    '',
  ];
  return lines.join('\n');
}

/** The file docker compose mounts: three replicas named as the compose services. */
export function composeHaproxyConfig(): string {
  const servers = [1, 2, 3].map((n) => ({ name: `hub-${n}`, host: `hub-${n}`, mqttPort: 1883, httpPort: 8080 }));
  return haproxyConfig({
    servers,
    mqttBind: ':1883',
    httpBind: ':8080',
    statsBind: ':8404',
    dockerDns: true,
    log: 'stdout',
  });
}
