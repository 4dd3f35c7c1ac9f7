/**
 * `npm run edge -- --config FILE` (or SHOPWATCH_EDGE_CONFIG=FILE): one edge agent per store.
 */
import { loadVision } from '@shopwatch/models';
import { startAgent } from './agent';
import { ConfigError, loadConfig } from './config';
import { BufferDirError } from './evidence/buffer-dir';
import { createLogger, setLogLevel } from './log';

const log = createLogger('agent:main');

async function main(): Promise<void> {
  const i = process.argv.indexOf('--config');
  const cfg = loadConfig(i >= 0 ? { file: process.argv[i + 1] } : {});
  setLogLevel(cfg.logLevel);
  const vision = await loadVision();
  const agent = await startAgent(cfg, vision);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    await agent.stop();
    await vision.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err) => {
  if (err instanceof ConfigError || err instanceof BufferDirError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  log.fatal({ err }, 'edge agent failed to start');
  process.exit(1);
});
