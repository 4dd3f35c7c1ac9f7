import { redactText } from '@shopwatch/protocols';
import { pino, type Logger } from 'pino';

/**
 * One JSON-lines logger for the agent; modules take a namespaced child
 * (`agent:camera`, `agent:spool`) and log ids as fields — never secrets, never pixels.
 *
 * The level comes from `SHOPWATCH_LOG_LEVEL` (default `info`; tests usually set `silent`).
 * Every string that reaches a line (message and fields, nested) passes through `redactText`:
 * URL credentials and the secrets registered with {@link addLogSecrets} become `***`, so a
 * camera URL quoted by ffmpeg or by an error cannot leak into a log (issue 17.2).
 *
 * @example
 * const log = createLogger('agent:camera');
 * log.info({ cameraId: 'door' }, 'camera online');
 */
const secrets = new Set<string>();
let known: string[] = [];

/** Literal secrets (camera passwords, the device secret) hidden from every log line. */
export function addLogSecrets(values: Iterable<string>): void {
  for (const v of values) if (v) secrets.add(v);
  known = [...secrets].sort((a, b) => b.length - a.length);
}

function scrub(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactText(value, known);
  if (depth > 4 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) {
    return { type: value.name, message: scrub(value.message, depth + 1), stack: scrub(value.stack, depth + 1) };
  }
  if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrub(v, depth + 1)]));
}

const root: Logger = pino({
  level: process.env.SHOPWATCH_LOG_LEVEL ?? (process.env.VITEST ? 'silent' : 'info'),
  base: { pid: process.pid },
  timestamp: pino.stdTimeFunctions.isoTime,
  formatters: { log: (obj) => scrub(obj) as Record<string, unknown> },
  hooks: {
    logMethod(args, method) {
      method.apply(this, args.map((a) => (typeof a === 'string' ? scrub(a) : a)) as Parameters<typeof method>);
    },
  },
});

export type { Logger };

export function createLogger(name: string, bindings: Record<string, unknown> = {}): Logger {
  return root.child({ name, ...bindings });
}

/** Changes the level of every logger made by {@link createLogger}. */
export function setLogLevel(level: string): void {
  root.level = level;
}
