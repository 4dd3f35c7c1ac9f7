import { AuditLog } from './audit/log';
import { SecretKey } from './auth/device-secrets';
import { type HubOptions, type HubStorage, composeHub } from './compose';
import type { HubConfig } from './config';
import { HUB_FEATURES, HubContext } from './features';
import { type Step, startSteps } from './lifecycle';
import { logger, setLogLevel } from './log';
import { applyProvisioning, readProvisioning } from './provisioning/apply';
import type { HubServices } from './services';
import { secureDataDir } from './storage/file-modes';
import { openStorage } from './storage/open';
import { checkSharedKeys } from './storage/shared-keys';

export type { HubOptions } from './compose';

export interface RunningHub {
  httpPort: number;
  mqttPort: number;
  services: HubServices;
  /** Re-applies a provisioning file (SHOPWATCH_SEED by default) and ends removed devices' connections. */
  reprovision(file?: string): Promise<string[]>;
  /**
   * The first half of a graceful stop: /readyz answers 503 at once while everything keeps serving
   * for `drainSeconds` (so the front door's health check moves new connections to other
   * replicas). Resolves when that time is up, or at once when `stop()` is called meanwhile.
   */
  drain(): Promise<void>;
  stop(): Promise<void>;
}

/** Opens everything the hub keeps, in the data dir. The one place storage is chosen. */
async function openHubStorage(config: HubConfig): Promise<HubStorage> {
  secureDataDir(config.dataDir, logger('hub')); // personal data and keys: the hub's own user only
  const storage = await openStorage(config, logger('hub:storage'));
  try {
    const audit = await AuditLog.open(storage.audit, config.dataDir);
    const key = SecretKey.forDataDir(config.dataDir);
    // Hubs sharing a database must share keys too: refuse to start with keys of our own.
    await checkSharedKeys(storage.keys, config.dataDir);
    return {
      repo: storage.repo,
      evidenceRepo: storage.evidence,
      galleryRepo: storage.gallery,
      gov: storage.governance,
      caseRepo: storage.cases,
      push: storage.push,
      audit,
      key,
      close: () => storage.close(),
    };
  } catch (err) {
    await storage.close();
    throw err;
  }
}

/**
 * Storage first (the source of truth), then provisioning, then the domain is composed; the
 * features follow (features.ts), the network listeners last, so nothing is accepted before the
 * hub can keep it. Stopped in reverse.
 */
const HUB_STEPS: readonly Step<HubContext>[] = [
  {
    name: 'storage',
    start: async (ctx) => {
      ctx.storage = await openHubStorage(ctx.config);
      return { stop: () => ctx.storage.close() };
    },
  },
  {
    name: 'provisioning',
    start: async ({ seed, storage }) => {
      if (seed) await applyProvisioning(storage.repo, seed, storage.key, logger('hub:provisioning'));
      return undefined;
    },
  },
  {
    name: 'domain',
    start: (ctx) => {
      ctx.parts = composeHub(ctx.config, ctx.storage, ctx.options);
      return undefined;
    },
  },
  ...HUB_FEATURES,
];

/** The composition root: starts the hub's steps in order; `stop()` stops them in reverse. */
export async function startHub(config: HubConfig, options: HubOptions = {}): Promise<RunningHub> {
  setLogLevel(config.logLevel);
  const log = logger('hub');
  const seed = config.seed ? readProvisioning(config.seed) : null; // fail fast, before touching storage
  const ctx = new HubContext(config, options, seed, log);
  const stopSteps = await startSteps(HUB_STEPS, ctx, log);
  const { parts } = ctx;
  parts.state.ready = true;
  log.info({ httpPort: ctx.ports.http, mqttPort: ctx.ports.mqtt, dataDir: config.dataDir }, 'hub ready');

  let stopping: Promise<void> | null = null;
  let draining: Promise<void> | null = null;
  let drained = () => {};
  return {
    httpPort: ctx.ports.http,
    mqttPort: ctx.ports.mqtt,
    services: parts,
    reprovision: async (file = config.seed) => {
      if (!file) throw new Error('no provisioning file: set SHOPWATCH_SEED');
      await applyProvisioning(ctx.storage.repo, readProvisioning(file), ctx.storage.key, logger('hub:provisioning'));
      return parts.revocation.check();
    },
    drain: () =>
      (draining ??= new Promise<void>((resolve) => {
        parts.state.draining = true;
        log.info({ drainSeconds: config.drainSeconds }, 'draining: not ready, still serving');
        const timer = setTimeout(resolve, config.drainSeconds * 1000);
        drained = () => {
          clearTimeout(timer);
          resolve();
        };
      })),
    stop: () =>
      (stopping ??= (async () => {
        drained();
        parts.state.ready = false;
        await stopSteps();
        log.info('hub stopped');
      })()),
  };
}
