/**
 * The edge agent as `src/main.ts` runs it (same `startAgent` composition root), for the edge
 * benchmark to run as a child process and measure from /proc. Two additions for the bench:
 *
 * - the matcher's statistics are sent to the parent over IPC every 500 ms (health.json is only
 *   written every 10 s);
 * - the bench sets `thresholds.cooldownSeconds` (through SHOPWATCH_EDGE_THRESHOLDS__COOLDOWN_SECONDS
 *   or the config file) short, so that a face passing every few seconds gives a candidate each time.
 *
 *   node --import tsx edge-agent/bench/agent-child.ts --config FILE   (stopped by "stop" or SIGTERM)
 */
import { loadVision } from '@shopwatch/models';
import { startAgent } from '../src/agent';
import { loadConfig } from '../src/config';
import { setLogLevel } from '../src/log';

const i = process.argv.indexOf('--config');
const cfg = loadConfig(i >= 0 ? { file: process.argv[i + 1] } : {});
const cooldown = process.env.SHOPWATCH_BENCH_COOLDOWN_SECONDS;
if (cooldown) cfg.thresholds.cooldownSeconds = Number(cooldown);
setLogLevel(cfg.logLevel);
const vision = await loadVision();
const agent = await startAgent(cfg, vision);

const report = () =>
  process.send?.({
    type: 'stats',
    at: Date.now(),
    matcher: { ...agent.matcher.stats },
    hubConnected: agent.uplink.connected,
    templates: agent.gallery.all().length,
    stills: { ...agent.recorder.stills.stats },
  });
const timer = setInterval(report, 500);
report();

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  clearInterval(timer);
  await agent.stop();
  await vision.close();
  process.exit(0);
};
process.on('message', (m) => m === 'stop' && void stop());
process.on('SIGTERM', () => void stop());
process.on('disconnect', () => void stop());
