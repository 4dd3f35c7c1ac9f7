/**
 * Environment overrides for the edge config: `SHOPWATCH_EDGE_<PATH>=<value>`, where the path's
 * keys are separated by `__` and written in SCREAMING_SNAKE_CASE (`HUB__MQTT_URL` → `hub.mqttUrl`,
 * `CAMERAS__0__DETECT_FPS` → `cameras[0].detectFps`). `SHOPWATCH_EDGE_CONFIG` names the file
 * and is not an override.
 */
export const ENV_PREFIX = 'SHOPWATCH_EDGE_';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export interface EnvOverrideResult {
  value: unknown;
  /** config path (`cameras[0].url`) → the variable that set it, for error messages */
  origins: Map<string, string>;
}

export function applyEnvOverrides(raw: unknown, env: NodeJS.ProcessEnv): EnvOverrideResult {
  const value = structuredClone(raw ?? {}) as Json;
  const origins = new Map<string, string>();
  const names = Object.keys(env)
    .filter((k) => k.startsWith(ENV_PREFIX) && k !== `${ENV_PREFIX}CONFIG`)
    .sort();
  for (const name of names) {
    const keys = name.slice(ENV_PREFIX.length).split('__').filter(Boolean);
    if (keys.length === 0) continue;
    const path = setPath(value, keys, env[name] ?? '');
    origins.set(path, name);
  }
  return { value, origins };
}

/** Sets the value and returns the config path it landed on. */
function setPath(root: Json, keys: string[], text: string): string {
  let node = root as Record<string, Json> | Json[];
  let path = '';
  keys.forEach((raw, i) => {
    const last = i === keys.length - 1;
    const index = /^\d+$/.test(raw) ? Number(raw) : undefined;
    const key: string | number = index ?? resolveKey(node, raw);
    path = typeof key === 'number' ? `${path}[${key}]` : path ? `${path}.${key}` : key;
    const container = node as Record<string | number, Json>;
    if (last) {
      container[key] = parseValue(text, container[key]);
      return;
    }
    const child = container[key];
    if (child === null || typeof child !== 'object') {
      container[key] = /^\d+$/.test(keys[i + 1]) ? [] : {};
    }
    node = container[key] as Record<string, Json> | Json[];
  });
  return path;
}

/** Matches an existing key case- and underscore-insensitively, else camelCases the name. */
function resolveKey(node: object, raw: string): string {
  const flat = raw.replace(/_/g, '').toLowerCase();
  const existing = Array.isArray(node) ? undefined : Object.keys(node).find((k) => k.toLowerCase() === flat);
  return existing ?? raw.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** JSON when it parses (numbers, booleans, arrays), but a string field stays a string. */
function parseValue(text: string, previous: Json | undefined): Json {
  if (typeof previous === 'string') return text;
  try {
    return JSON.parse(text) as Json;
  } catch {
    return text;
  }
}
