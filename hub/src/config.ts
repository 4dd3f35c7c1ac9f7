import { proxyEntryError } from './auth/client-address';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { describeIssues } from '@shopwatch/protocols';

/**
 * Hub configuration: environment variables (the contract names them), validated once at
 * start-up. Errors name the variable, so an operator can fix a bad deployment at once.
 */
export const HubConfig = z.strictObject({
  httpPort: z.coerce.number().int().min(0).max(65535).default(8080),
  mqttPort: z.coerce.number().int().min(0).max(65535).default(1883),
  host: z.string().default('0.0.0.0'),
  dataDir: z.string().min(1).default('./data'),
  seed: z.string().min(1).optional(),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Browser session lifetime. */
  sessionHours: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 30)
    .default(12),
  /** Failed logins allowed per username and per address within loginWindowSeconds. */
  loginAttempts: z.coerce.number().int().min(1).default(10),
  loginWindowSeconds: z.coerce.number().int().min(1).default(300),
  /**
   * `full`: every acknowledged message is fsynced before its PUBACK / 201 (survives power loss).
   * `normal`: written to the database file before the acknowledgement but fsynced at WAL
   * checkpoints; survives a crash or kill of the hub, may lose the last moments on power loss.
   */
  sync: z.enum(['full', 'normal']).default('full'),
  /** Pending gallery-match candidates nobody reviewed within this are expired and their media deleted. */
  reviewExpiryMinutes: z.coerce
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 60)
    .default(60),
  /** After a confirm, repeat sightings this recent update the case's alert instead of a new case. */
  caseFollowMinutes: z.coerce
    .number()
    .int()
    .min(0)
    .max(24 * 60)
    .default(30),
  /** New alerts a store device or member may raise per minute (burst 2x); scheme-wide senders 6x. */
  raisesPerMinute: z.coerce.number().int().min(1).max(1_000_000).default(10),
  /**
   * On SIGTERM the hub answers /readyz 503 for this long while still serving, so a front door
   * (HAProxy's health check) stops sending it new connections, before it closes its listeners.
   */
  drainSeconds: z.coerce.number().min(0).max(300).default(5),
  /**
   * Front doors (HAProxy) whose X-Forwarded-For is believed for per-address login limits:
   * comma-separated addresses or CIDR blocks. Empty: the socket's address counts.
   */
  trustedProxies: z
    .union([z.string(), z.array(z.string())])
    .default([])
    .transform((v) => (Array.isArray(v) ? v : v.split(',')).map((p) => p.trim()).filter(Boolean))
    .superRefine((list, ctx) => {
      for (const p of list) {
        const err = proxyEntryError(p);
        if (err) ctx.addIssue({ code: 'custom', message: err });
      }
    }),
  /** Where the built dashboard lives; served at `/` when present. */
  dashboardDir: z.string().optional(),
  /**
   * Cluster mode (issue 14): the PostgreSQL store of record shared by every hub replica, instead of
   * the SQLite file in dataDir. Files, keys and the node id stay in dataDir.
   */
  databaseUrl: z
    .string()
    .regex(/^postgres(ql)?:\/\/\S+$/, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  /**
   * Cluster mode: the Redis that joins hub nodes (brokers, event bus, node heartbeats). Without
   * it, one embedded broker and an in-process bus, as on a single machine.
   */
  redisUrl: z
    .string()
    .regex(/^rediss?:\/\/\S+$/, 'must be a redis:// or rediss:// URL')
    .optional(),
  /**
   * Where the blob store keeps files (evidence, gallery photos); by default the data dir. In a
   * cluster every replica names the same shared mount (hub/src/files/README.md).
   */
  filesDir: z.string().min(1).optional(),
  /**
   * Cluster mode: this node's HTTP address as the other nodes reach it (`http://hub-1:8080`), where
   * they relay the live-view socket of an edge box that reached them for a stream this node asked
   * for. By default `http://{host}:{port}` (the machine's name when listening on every address).
   */
  internalUrl: z
    .string()
    .regex(/^http:\/\/[A-Za-z0-9.-]+:\d{1,5}$/, 'must be http://host:port')
    .optional(),
  /** This node's id among the hub nodes; by default the one kept in the data dir (node-id file). */
  nodeId: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, "_", "." and "-", at most 64')
    .optional(),
});
export type HubConfig = z.infer<typeof HubConfig>;

const ENV: Record<keyof HubConfig, string> = {
  httpPort: 'SHOPWATCH_HTTP_PORT',
  mqttPort: 'SHOPWATCH_MQTT_PORT',
  host: 'SHOPWATCH_HOST',
  dataDir: 'SHOPWATCH_DATA_DIR',
  seed: 'SHOPWATCH_SEED',
  logLevel: 'SHOPWATCH_LOG_LEVEL',
  sessionHours: 'SHOPWATCH_SESSION_HOURS',
  loginAttempts: 'SHOPWATCH_LOGIN_ATTEMPTS',
  loginWindowSeconds: 'SHOPWATCH_LOGIN_WINDOW_SECONDS',
  dashboardDir: 'SHOPWATCH_DASHBOARD_DIR',
  sync: 'SHOPWATCH_SYNC',
  reviewExpiryMinutes: 'SHOPWATCH_REVIEW_EXPIRY_MINUTES',
  caseFollowMinutes: 'SHOPWATCH_CASE_FOLLOW_MINUTES',
  raisesPerMinute: 'SHOPWATCH_RAISES_PER_MINUTE',
  drainSeconds: 'SHOPWATCH_DRAIN_SECONDS',
  trustedProxies: 'SHOPWATCH_TRUSTED_PROXIES',
  databaseUrl: 'SHOPWATCH_DATABASE_URL',
  redisUrl: 'SHOPWATCH_REDIS_URL',
  nodeId: 'SHOPWATCH_NODE_ID',
  filesDir: 'SHOPWATCH_FILES_DIR',
  internalUrl: 'SHOPWATCH_INTERNAL_URL',
};

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<HubConfig> = {}): HubConfig {
  const raw: Record<string, unknown> = {};
  for (const [key, name] of Object.entries(ENV)) {
    const v = env[name];
    if (v !== undefined && v !== '') raw[key] = v;
  }
  const r = HubConfig.safeParse({ ...raw, ...overrides });
  if (!r.success) {
    const lines = describeIssues(r.error.issues).map(
      (i) => `  ${ENV[i.path as keyof HubConfig] ?? i.path}: ${i.message}`,
    );
    throw new ConfigError(`invalid hub configuration:\n${lines.join('\n')}`);
  }
  const filesDir = r.data.filesDir === undefined ? undefined : path.resolve(r.data.filesDir);
  return { ...r.data, dataDir: path.resolve(r.data.dataDir), filesDir };
}

/** Where the other hub nodes reach this one's HTTP port (SHOPWATCH_INTERNAL_URL or its default). */
export function internalUrlOf(config: Pick<HubConfig, 'host' | 'internalUrl'>, httpPort: number): string {
  if (config.internalUrl) return config.internalUrl;
  const anyAddress = config.host === '0.0.0.0' || config.host === '::';
  const host = anyAddress ? os.hostname() : config.host.includes(':') ? `[${config.host}]` : config.host;
  return `http://${host}:${httpPort}`;
}

/** The blob store's root: SHOPWATCH_FILES_DIR, or the data dir. */
export const filesRoot = (config: Pick<HubConfig, 'dataDir' | 'filesDir'>) => config.filesDir ?? config.dataDir;
