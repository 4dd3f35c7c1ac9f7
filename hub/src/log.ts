import pino from 'pino';

/**
 * JSON-lines logs, one namespaced child per module (`hub:mqtt`, `hub:alerts`). Ids go in
 * fields; secrets, tokens, passwords and face data are never logged.
 */
const root = pino({
  level: process.env.SHOPWATCH_LOG_LEVEL ?? 'info',
  base: { app: 'shopwatch-hub' },
  redact: { paths: ['password', 'secret', 'token', '*.password', '*.secret', '*.token'], censor: '[redacted]' },
  timestamp: pino.stdTimeFunctions.isoTime,
});

export function setLogLevel(level: string) {
  root.level = level;
}

export type Logger = pino.Logger;

export function logger(ns: string): Logger {
  return root.child({ ns });
}
