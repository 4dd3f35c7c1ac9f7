import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { applyEnvOverrides, ENV_PREFIX } from './config-env';

/** `"2GB"`, `"500 MiB"` or a number of bytes. */
const ByteSize = z.union([
  z.number().int().positive(),
  z
    .string()
    .regex(/^\s*\d+(\.\d+)?\s*([kmgt]i?b?|b)?\s*$/i, 'expected bytes such as 2000000000 or "2GB"')
    .transform(parseBytes),
]);

const Id = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, "-" or "_" (at most 64)');

export const CameraConfig = z.strictObject({
  id: Id,
  name: z.string().min(1).max(100),
  /** `rtsp://`, `rtsps://` (a camera) or any other ffmpeg input URL/file (tests, replays). */
  url: z.string().min(1),
  /**
   * Optional second stream of the same camera (usually the main stream) recorded for evidence;
   * by default the evidence is recorded from `url`. Still one ffmpeg process per camera.
   */
  recordUrl: z.string().min(1).optional(),
  /** Frames per second decoded for detection; the recording branch keeps the camera's own rate. */
  detectFps: z.number().positive().max(30).default(5),
  /** Size of the frames handed to the detector (the camera's sub-stream is scaled to it). */
  detectSize: z.strictObject({
    width: z
      .number()
      .int()
      .min(16)
      .max(4096)
      .refine((n) => n % 2 === 0, 'must be even'),
    height: z
      .number()
      .int()
      .min(16)
      .max(4096)
      .refine((n) => n % 2 === 0, 'must be even'),
  }),
  rtspTransport: z.enum(['tcp', 'udp']).default('tcp'),
  enabled: z.boolean().default(true),
});
export type CameraConfig = z.infer<typeof CameraConfig>;

const EdgeConfigFields = z.strictObject({
  hub: z.strictObject({
    mqttUrl: z.url({ protocol: /^(mqtts?|wss?|tcp)$/ }),
    httpUrl: z.url({ protocol: /^https?$/ }),
  }),
  device: z.strictObject({
    id: Id,
    secret: z.string().min(8, 'at least 8 characters'),
    /** The scheme this box belongs to (its topics live under `shopwatch/{scheme}/`). */
    scheme: Id,
  }),
  cameras: z
    .array(CameraConfig)
    .min(1)
    .superRefine((cams, ctx) => {
      const seen = new Set<string>();
      cams.forEach((c, i) => {
        if (seen.has(c.id)) ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `duplicate camera id "${c.id}"` });
        seen.add(c.id);
      });
    }),
  thresholds: z
    .strictObject({
      /**
       * Descriptor distance at or below which a face counts as a match; default: the calibrated
       * value in models/manifest.json.
       */
      match: z.number().positive().max(2).optional(),
      /** K: matching frames needed ... */
      frames: z.number().int().min(1).default(3),
      /** ... within T seconds. */
      windowSeconds: z.number().positive().default(3),
      /** After a candidate, the same subject on the same camera waits this long before another. */
      cooldownSeconds: z.number().min(0).max(3600).default(60),
    })
    .prefault({}),
  spool: z.strictObject({
    dir: z.string().min(1),
    quotaBytes: ByteSize,
    /** Fraction of the quota above which the spool reports `warning`. */
    warnRatio: z.number().gt(0).lt(1).default(0.8),
  }),
  evidence: z
    .strictObject({
      preRollSeconds: z.number().min(0).max(120).default(10),
      postRollSeconds: z.number().min(0).max(120).default(10),
      /** Length of the stream-copied segments of the rolling buffer; cut at key frames. */
      segmentSeconds: z.number().min(1).max(10).default(2),
      /**
       * Rolling buffer of segments (footage of everybody, matched or not): must be on tmpfs/ramfs,
       * checked at start. Default `/dev/shm/shopwatch-<device.id>-ring`.
       */
      bufferDir: z.string().min(1).optional(),
      /** Lets the buffer live on a disk. Only for tests on machines without tmpfs: never in production. */
      allowDiskBuffer: z.boolean().default(false),
    })
    .prefault({}),
  inference: z
    .strictObject({
      /** Inference worker threads, each with its own models (default: one per core); 0: in the agent's thread. */
      workers: z.number().int().min(0).max(64).optional(),
      /** onnxruntime threads per inference (1: best frames per CPU-second, measured in bench:edge). */
      intraOpThreads: z.number().int().min(1).max(8).default(1),
      /** Run the face detector only where something moved (issue 15); false: on every whole frame. */
      motionGating: z.boolean().default(true),
    })
    .prefault({}),
  ffmpegPath: z.string().min(1).default('ffmpeg'),
  /** No longer run by the agent (clips are measured from their own MP4 header); accepted so old files load. */
  ffprobePath: z.string().min(1).default('ffprobe'),
  watchdog: z
    .strictObject({
      /** No decoded frame for this long → the camera is offline and ffmpeg is restarted. */
      timeoutSeconds: z.number().min(1).max(600).default(10),
      backoffInitialMs: z.number().int().min(50).default(500),
      backoffMaxMs: z.number().int().min(100).default(10_000),
    })
    .prefault({}),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

/** The config with its defaults resolved (the buffer folder depends on the device id). */
export const EdgeConfig = EdgeConfigFields.transform((c) => ({
  ...c,
  evidence: { ...c.evidence, bufferDir: c.evidence.bufferDir ?? defaultBufferDir(c.device.id) },
}));
export type EdgeConfig = z.infer<typeof EdgeConfig>;
export type EdgeConfigInput = z.input<typeof EdgeConfig>;

export interface ConfigIssue {
  /** `cameras[0].detectFps` */
  path: string;
  message: string;
  /** The environment variable that supplied the value, if one did. */
  env?: string;
}

export class ConfigError extends Error {
  readonly code = 'config_invalid';
  constructor(
    readonly source: string,
    readonly issues: ConfigIssue[],
  ) {
    super(
      `invalid edge-agent config (${source}):\n` +
        issues.map((i) => `  ${i.path || '(root)'}: ${i.message}${i.env ? ` (from ${i.env})` : ''}`).join('\n'),
    );
    this.name = 'ConfigError';
  }
}

export interface LoadConfigOptions {
  /** JSON file; default `$SHOPWATCH_EDGE_CONFIG`. Optional when the environment supplies everything. */
  file?: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * Reads the JSON config file, applies `SHOPWATCH_EDGE_*` overrides, validates strictly.
 * Nested keys are separated by `__`, words by `_`: `SHOPWATCH_EDGE_HUB__MQTT_URL`,
 * `SHOPWATCH_EDGE_CAMERAS__0__DETECT_FPS=8`. Values are parsed as JSON when they can be.
 *
 * @example
 * const cfg = loadConfig({ file: '/etc/shopwatch/edge.json' });
 * cfg.cameras[0].detectFps; // 5 unless set
 * @throws {ConfigError} naming the path of every bad field.
 */
export function loadConfig(opts: LoadConfigOptions = {}): EdgeConfig {
  const env = opts.env ?? process.env;
  const file = opts.file ?? env[`${ENV_PREFIX}CONFIG`];
  let raw: unknown = {};
  if (file) {
    if (!existsSync(file)) throw new ConfigError(file, [{ path: '', message: 'file not found' }]);
    try {
      raw = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new ConfigError(file, [{ path: '', message: `not valid JSON: ${(err as Error).message}` }]);
    }
  }
  const { value, origins } = applyEnvOverrides(raw, env);
  return parseConfig(value, file ?? 'environment', origins);
}

/** Validates an already-read config object. @throws {ConfigError} */
export function parseConfig(value: unknown, source = 'config', origins = new Map<string, string>()): EdgeConfig {
  const res = EdgeConfig.safeParse(value);
  if (res.success) return res.data;
  const issues = res.error.issues.flatMap((iss) => {
    const keys = iss.code === 'unrecognized_keys' ? iss.keys.map((k) => [...iss.path, k]) : [iss.path];
    return keys.map((p) => {
      const path = formatPath(p);
      const message = iss.code === 'unrecognized_keys' ? 'unknown field' : iss.message;
      return { path, message, env: origins.get(path) };
    });
  });
  throw new ConfigError(source, issues);
}

export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>(
    (s, k) => (typeof k === 'number' ? `${s}[${k}]` : s ? `${s}.${String(k)}` : String(k)),
    '',
  );
}

function parseBytes(s: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?)b?\s*$/i.exec(s)!;
  const power = ' kmgt'.indexOf((m[2] || ' ').toLowerCase());
  return Math.round(Number(m[1]) * (m[3] ? 1024 : 1000) ** power);
}

/** In RAM where Linux offers it; elsewhere the start-up check refuses it unless overridden. */
function defaultBufferDir(deviceId: string): string {
  const name = `shopwatch-${deviceId}-ring`;
  return existsSync('/dev/shm') ? join('/dev/shm', name) : join(tmpdir(), name);
}
