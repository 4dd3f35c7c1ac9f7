import type { Logger } from '../log';
import type { Leadership } from './leader';

/** A job that must run on one node of the cluster at a time; start and stop may be repeated. */
export interface ClusterJob {
  start(): unknown;
  stop(): unknown;
}

/**
 * Runs `job` while this node leads: started now if it already leads (a single node always does,
 * so it starts at once, exactly as before cluster mode), started on taking the lead, stopped on
 * losing it. Returns how to stop it for good (the start-up step's `stop`).
 */
export function whileLeader(leadership: Leadership, name: string, job: ClusterJob, log: Logger) {
  let running = false;
  const set = (leader: boolean) => {
    if (leader === running) return;
    running = leader;
    try {
      if (leader) job.start();
      else job.stop();
      log.debug({ job: name, running }, leader ? 'cluster job started here' : 'cluster job stopped here');
    } catch (err) {
      log.error({ err, job: name }, 'cluster job failed to change state');
    }
  };
  const off = leadership.onChange(set);
  set(leadership.isLeader);
  return {
    stop: () => {
      off();
      set(false);
    },
  };
}
