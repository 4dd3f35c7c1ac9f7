import type { Logger } from './log';

/** What a started step leaves behind: how to stop it. */
export interface Started {
  stop(): unknown;
}

/**
 * One named part of the start-up (like frigate's named start steps or zigbee2mqtt's extensions):
 * it starts on the shared context and returns how to stop it, or nothing if there is nothing to stop.
 */
export interface Step<C> {
  name: string;
  start(ctx: C): Promise<Started | undefined> | Started | undefined;
}

/**
 * Starts the steps in order and returns the function that stops them in reverse. If a step
 * fails, the ones already started are stopped (in reverse) and its error is thrown (the log
 * names the step), so a failed start leaves no port, timer or file handle behind.
 */
export async function startSteps<C>(steps: readonly Step<C>[], ctx: C, log: Logger): Promise<() => Promise<void>> {
  const started: { name: string; stop: () => unknown }[] = [];
  const stopAll = async () => {
    for (const s of started.splice(0).reverse()) {
      try {
        await s.stop();
      } catch (err) {
        log.error({ err, step: s.name }, 'error while stopping');
      }
    }
  };
  for (const step of steps) {
    let result: Started | undefined;
    try {
      result = await step.start(ctx);
    } catch (err) {
      log.error({ err, step: step.name }, 'start-up step failed; stopping the steps already started');
      await stopAll();
      throw err; // as it is: callers tell a configuration or provisioning error by its class
    }
    if (result) started.push({ name: step.name, stop: () => result.stop() });
    log.debug({ step: step.name }, 'started');
  }
  return stopAll;
}
