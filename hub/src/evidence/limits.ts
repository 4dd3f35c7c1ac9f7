import { HubError } from '../errors';

export interface UploadLimits {
  /** Bytes one edge box may hold on the hub for candidates still pending review. */
  deviceQuotaBytes: number;
  /** Bytes one edge box may send per minute (all its uploads together). */
  bytesPerMinute: number;
  /** How long ffprobe may take to read a complete clip before it is killed and the clip refused. */
  probeTimeoutMs: number;
}

export const DEFAULT_UPLOAD_LIMITS: UploadLimits = {
  deviceQuotaBytes: 1024 * 1024 * 1024,
  bytesPerMinute: 512 * 1024 * 1024,
  probeTimeoutMs: 10_000,
};

/**
 * Per-device upload rate in a fixed one-minute window. In memory on purpose: a restart gives a
 * device one fresh minute, which costs nothing, while the disk quota (counted from the
 * database) is what protects the disk.
 */
export class UploadRate {
  private windows = new Map<string, { start: number; bytes: number }>();
  constructor(
    private limits: () => UploadLimits,
    private now: () => number = Date.now,
  ) {}

  /** Refuses (429) a device that used its minute; otherwise lets the request through. */
  check(deviceId: string) {
    const w = this.window(deviceId);
    if (w.bytes >= this.limits().bytesPerMinute) {
      const retry = Math.max(1, Math.ceil((w.start + 60_000 - this.now()) / 1000));
      const why = `upload rate exceeded (${this.limits().bytesPerMinute} bytes a minute); retry in ${retry} s`;
      throw Object.assign(new HubError('rate_limited', why), { retryAfter: retry });
    }
  }

  /** Bytes this device may still send in this window (the stream is cut beyond it). */
  allowance(deviceId: string) {
    return Math.max(0, this.limits().bytesPerMinute - this.window(deviceId).bytes);
  }

  count(deviceId: string, bytes: number) {
    this.window(deviceId).bytes += bytes;
  }

  private window(deviceId: string) {
    const t = this.now();
    let w = this.windows.get(deviceId);
    if (!w || t - w.start >= 60_000) {
      w = { start: t, bytes: 0 };
      this.windows.set(deviceId, w);
    }
    return w;
  }
}

export function quotaExceeded(held: number, wanted: number, quota: number): HubError {
  return new HubError(
    'quota_exceeded',
    `this edge box holds ${held} bytes of pending evidence; ${wanted} more would ` +
      `pass its quota of ${quota} bytes — retry once candidates are reviewed`,
  );
}
