/**
 * DRAFT composition root of the edge agent — camera and storage half only. The hub engineer
 * replaces the two placeholders (frame sink → face matcher, uplink → MQTT + HTTP) and owns this
 * file from then on. Order: config → logger → spool → evidence → delivery → cameras; stop in
 * reverse.
 *
 *   SHOPWATCH_EDGE_CONFIG=edge.json tsx edge-agent/src/main.ts
 */
import { join } from 'node:path';
import { startCameras } from './camera/cameras';
import { ConfigError, loadConfig } from './config';
import { EvidenceRecorder } from './evidence/recorder';
import { createLogger, setLogLevel } from './log';
import type { FrameSink, Uplink } from './ports';
import { startDelivery } from './spool/delivery';
import { SqliteSpool } from './spool/sqlite-spool';

const log = createLogger('agent:main');

async function main(): Promise<void> {
  const cfg = loadConfig();
  setLogLevel(cfg.logLevel);

  // PLACEHOLDERS until matching and the uplink are wired in.
  const uplink: Uplink = {
    reportCamera: (s) => log.info({ camera: s }, 'camera status (no uplink yet)'),
    reportSpool: (s) => log.warn({ level: s.level, ratio: s.usage.ratio }, 'spool status (no uplink yet)'),
    deliver: () => Promise.reject(new Error('no uplink yet')),
  };
  const matcher: FrameSink = { push: () => {} };

  const spool = new SqliteSpool({ dir: cfg.spool.dir, quotaBytes: cfg.spool.quotaBytes, warnRatio: cfg.spool.warnRatio, onStatus: (s) => uplink.reportSpool(s) });
  const cameras = startCameras(cfg, { onFrame: (f) => matcher.push(f), onStatus: (s) => uplink.reportCamera(s) });
  const recorder = new EvidenceRecorder({
    spool,
    ring: (id) => cameras.rings.get(id),
    workDir: join(cfg.spool.dir, 'work'),
    preRollSeconds: cfg.evidence.preRollSeconds,
    postRollSeconds: cfg.evidence.postRollSeconds,
    segmentSeconds: cfg.evidence.segmentSeconds,
    ffmpegPath: cfg.ffmpegPath,
    ffprobePath: cfg.ffprobePath,
  });
  void recorder; // handed to the matcher once it exists
  const delivery = startDelivery({ spool, deliver: (item) => uplink.deliver(item) });
  log.info({ cameras: [...cameras.cameras.keys()] }, 'edge agent started');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    await recorder.drain();
    await cameras.stop();
    await delivery.stop();
    spool.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  log.fatal({ err }, 'edge agent failed to start');
  process.exit(1);
});
