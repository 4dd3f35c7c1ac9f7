import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig } from '../../src/config';
import { startHub } from '../../src/hub';

/**
 * The hub as `npm run hub` runs it (environment configuration, JSON log lines on stdout, stop on
 * SIGTERM), except that recording a device's last-seen time takes SLOW_STORE_MS, as it can on on a
 * networked store (PostgreSQL) or a busy disk. That stretches the window between a device's
 * disconnect and its presence publish, so a shutdown in that window happens every time.
 */
const delay = Number(process.env.SLOW_STORE_MS ?? 1000);
const hub = await startHub(loadConfig());
const repo = hub.services.repo;
const touch = repo.touchDevice.bind(repo);
repo.touchDevice = async (id, at) => {
  await sleep(delay);
  return touch(id, at);
};
// The process lives on a little after the hub has stopped (as a test runner or a supervisor that
// embeds the hub does), so work still pending at stop runs, and anything it logs is seen.
process.once('SIGTERM', () => {
  void hub.stop().then(() => setTimeout(() => process.exit(0), delay + 500));
});
