import { FairScheduler } from '../../src/inference/scheduler';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A scheduler of one slot whose runs end when the test says, on a clock the test moves: `order`
 * lists the runs started (`camera` + item), `skips` the frames skipped and why.
 */
export function manualScheduler(maxWaitingPerCamera?: number) {
  const clock = { t: 1_000 };
  const order: string[] = [];
  const skips: string[] = [];
  const ends: (() => void)[] = [];
  const s = new FairScheduler<number>(
    () => 1,
    async (key, n) => {
      order.push(`${key}${n}`);
      await new Promise<void>((r) => ends.push(r));
    },
    (key, n, why) => skips.push(`${key}${n} ${why}`),
    { now: () => clock.t, maxWaitingPerCamera },
  );
  /** Ends the run in flight and lets the next one start. */
  const finish = async () => {
    ends.shift()?.();
    await sleep(1);
  };
  /** Ends every run until nothing is left. */
  const drain = async () => {
    for (let i = 0; i < 50 && ends.length > 0; i++) await finish();
    await s.idle();
  };
  return { s, clock, order, skips, finish, drain };
}
