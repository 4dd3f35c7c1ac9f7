import type { LocalCameraStatus } from '../camera/watchdog';

/**
 * Turns the matcher's skip counters into camera status reports: a camera whose frames are being
 * skipped because inference is saturated is reported `online` with a reason saying so (the
 * console shows it beside the camera), and again without a reason once it keeps up. Reports
 * only on a change, so a steady state costs no messages.
 *
 * @example
 * const sat = new SaturationReporter(10);
 * for (const s of sat.check(matcher.stats.droppedByCamera, statuses)) uplink.reportCamera(s);
 */
export class SaturationReporter {
  private last: Record<string, number> = {};
  private saturated = new Set<string>();

  constructor(private readonly intervalSeconds: number) {}

  /** Call every `intervalSeconds` with the cumulative skip counts and each camera's last status. */
  check(
    droppedByCamera: Record<string, number>,
    statuses: Map<string, LocalCameraStatus>,
    now = new Date(),
  ): LocalCameraStatus[] {
    const out: LocalCameraStatus[] = [];
    for (const [cameraId, status] of statuses) {
      const total = droppedByCamera[cameraId] ?? 0;
      const delta = total - (this.last[cameraId] ?? 0);
      this.last[cameraId] = total;
      const was = this.saturated.has(cameraId);
      const is = delta > 0;
      if (is) this.saturated.add(cameraId);
      else this.saturated.delete(cameraId);
      if (status.status !== 'online' || was === is) continue;
      const reason = is
        ? `inference saturated: ${delta} frames skipped in the last ${this.intervalSeconds} s (see health.json)`
        : null;
      out.push({ ...status, reason, since: now.toISOString() });
    }
    return out;
  }
}
