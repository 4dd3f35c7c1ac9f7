import { ConfigError, loadConfig } from './config';
import { runCommand } from './cli';
import { startHub } from './hub';
import { ProvisioningError } from './provisioning/apply';

/** `npm run hub`: starts the hub with the environment's configuration; stops cleanly on signals. */
async function main() {
  const args = process.argv.slice(2);
  try {
    if (args.length) process.exit(await runCommand(args, loadConfig()));
    const hub = await startHub(loadConfig());
    const stop = async (signal: string) => {
      process.stderr.write(`shopwatch hub: ${signal}, stopping\n`);
      await hub.stop();
      process.exit(0);
    };
    // SIGTERM (an orchestrator, `docker stop`): drain first, so the front door moves new
    // connections to other replicas before this one closes. SIGINT (Ctrl-C), or a second
    // SIGTERM during the drain, stops at once.
    process.once('SIGINT', () => void stop('SIGINT'));
    process.once('SIGTERM', () => {
      process.stderr.write('shopwatch hub: SIGTERM, draining\n');
      process.once('SIGTERM', () => void stop('SIGTERM'));
      void hub.drain().then(() => stop('SIGTERM'));
    });
    // SIGHUP: re-apply SHOPWATCH_SEED; removed users and devices lose their sessions and connections.
    process.on('SIGHUP', () => {
      hub.reprovision().then(
        (closed) =>
          process.stderr.write(`shopwatch hub: provisioning re-applied, ${closed.length} devices disconnected\n`),
        (err) => process.stderr.write(`shopwatch hub: provisioning not re-applied: ${(err as Error).message}\n`),
      );
    });
  } catch (err) {
    if (err instanceof ConfigError || err instanceof ProvisioningError) {
      process.stderr.write(`shopwatch hub: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}

void main();
