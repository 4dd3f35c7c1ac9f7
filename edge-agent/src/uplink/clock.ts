import { type HubHttp, measureClockOffset } from './files';

/** The edge clock's offset from the hub's, kept for the evidence manifests. */
export interface ClockOffset {
  /** Edge clock minus hub clock, ms, as last measured (0 until the first answer). */
  offsetMs(): number;
  stop(): void;
}

/**
 * Measures the clock offset now and every `everyMs` (default 5 min). A failed measurement keeps
 * the last value: the hub may be away, the edge clock has not moved for that.
 */
export function trackClockOffset(http: HubHttp, everyMs = 5 * 60_000): ClockOffset {
  let offset = 0;
  const measure = () =>
    measureClockOffset(http)
      .then((o) => {
        offset = -o;
      })
      .catch(() => {});
  void measure();
  const timer = setInterval(measure, everyMs);
  timer.unref();
  return { offsetMs: () => offset, stop: () => clearInterval(timer) };
}
