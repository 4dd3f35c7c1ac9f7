import { pino, type Logger } from 'pino';

/**
 * One JSON-lines logger for the agent; modules take a namespaced child
 * (`agent:camera`, `agent:spool`) and log ids as fields — never secrets, never pixels.
 *
 * The level comes from `SHOPWATCH_LOG_LEVEL` (default `info`; tests usually set `silent`).
 *
 * @example
 * const log = createLogger('agent:camera');
 * log.info({ cameraId: 'door' }, 'camera online');
 */
const root: Logger = pino({
  level: process.env.SHOPWATCH_LOG_LEVEL ?? (process.env.VITEST ? 'silent' : 'info'),
  base: { pid: process.pid },
  timestamp: pino.stdTimeFunctions.isoTime,
});

export type { Logger };

export function createLogger(name: string, bindings: Record<string, unknown> = {}): Logger {
  return root.child({ name, ...bindings });
}

/** Changes the level of every logger made by {@link createLogger}. */
export function setLogLevel(level: string): void {
  root.level = level;
}
