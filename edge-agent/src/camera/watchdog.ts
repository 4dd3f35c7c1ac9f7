import { type CameraStatus, redactText } from '@shopwatch/protocols';

/**
 * Camera health: the status type reported to the uplink, the classification of an ffmpeg
 * failure into `offline` (the camera or network is away; keep retrying) or `error` (a
 * configuration problem a person must fix; still retried, slower to matter), and the no-frames
 * timer. (Restart backoff: util/backoff.ts.)
 */

/**
 * The protocol's `CameraStatus` of one of this box's cameras, as the box knows it: the hub adds
 * the device id from the connection. The uplink reports it as a `CameraReport`.
 */
export type LocalCameraStatus = Omit<CameraStatus, 'deviceId'>;

export type StatusListener = (status: LocalCameraStatus) => void;

const CONFIG_ERRORS: Array<[RegExp, string]> = [
  [/\b(401 Unauthorized|403 Forbidden)\b/i, 'camera refused the credentials'],
  [/\b404 Not Found\b/i, 'camera has no such stream'],
  [
    new RegExp(
      'Unrecognized option|Option not found|No such filter|Invalid argument|Error parsing|Unknown encoder|' +
        'Protocol not found',
      'i',
    ),
    'ffmpeg rejected the configuration',
  ],
];

/** Warnings ffmpeg prints on healthy RTSP streams; they explain nothing about an exit. */
const NOISE =
  /Non-monotonous DTS|Timestamps are unset|changing to \d+\. This may result|max delay reached|RTP: missed \d+ packets/;

/** Turns an ffmpeg exit and the tail of its stderr into a status and a short reason. */
export function classifyExit(
  code: number | null,
  signal: NodeJS.Signals | null,
  stderrTail: string[],
): { status: 'offline' | 'error'; reason: string } {
  const lines = stderrTail.filter((l) => l.trim() && !NOISE.test(l));
  const text = lines.join('\n');
  const last = lines.at(-1)?.trim();
  for (const [re, what] of CONFIG_ERRORS) {
    if (re.test(text)) return { status: 'error', reason: clip(`${what}: ${last ?? ''}`) };
  }
  const how = signal ? `killed by ${signal}` : code === 0 ? 'stream ended' : `ffmpeg exited with code ${code}`;
  return { status: 'offline', reason: clip(last ? `${how}: ${last}` : how) };
}

/**
 * Hides the credentials of any URL in a line (`rtsp://user:p@ss@host` → `rtsp://***@host`,
 * `?password=x` → `?password=***`) and every `known` secret (the camera's own, from
 * `urlSecrets`): ffmpeg repeats the input URL in its errors, and those become log lines and
 * status reasons that reach the control room (issue 17.2).
 */
export function redactCredentials(line: string, known: readonly string[] = []): string {
  return redactText(line, known);
}

export function clip(reason: string, max = 300): string {
  return reason.length <= max ? reason : `${reason.slice(0, max - 1)}…`;
}

/**
 * Calls `onStall` once when `feed()` has not been called for `timeoutMs` since `arm()`.
 * Checked on a coarse tick so thousands of frames cost nothing.
 */
export class Watchdog {
  private last = 0;
  private timer: NodeJS.Timeout | undefined;
  private fired = false;

  constructor(
    readonly timeoutMs: number,
    private readonly onStall: (silentMs: number) => void,
    private readonly now: () => number = Date.now,
  ) {}

  arm(): void {
    this.disarm();
    this.last = this.now();
    this.fired = false;
    const tick = Math.max(50, Math.min(1000, this.timeoutMs / 4));
    this.timer = setInterval(() => this.check(), tick);
    this.timer.unref();
  }

  feed(): void {
    this.last = this.now();
  }

  disarm(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private check(): void {
    const silent = this.now() - this.last;
    if (!this.fired && silent >= this.timeoutMs) {
      this.fired = true;
      this.disarm();
      this.onStall(silent);
    }
  }
}
