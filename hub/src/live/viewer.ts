import type { WebSocket } from 'ws';
import type { LiveViewServerMessage } from '@shopwatch/protocols';
import type { Principal } from '../auth/principal';

export interface ViewerLimits {
  /** Binary messages sent but not yet acknowledged by the browser (≈ 5 s at 200 ms fragments). */
  windowMessages: number;
  /** Bytes waiting in the socket's send buffer. */
  maxBufferedBytes: number;
}

export const DEFAULT_VIEWER_LIMITS: ViewerLimits = { windowMessages: 25, maxBufferedBytes: 2 * 1024 * 1024 };

/**
 * One browser watching one camera, with a bounded queue. The browser acknowledges what it has
 * appended; when it falls more than a window behind (a slow phone, a congested link) or its socket
 * buffer fills, its fragments are dropped until it has caught up and the next key frame comes,
 * so it resumes with a decodable picture — and the stream and the other viewers never wait.
 */
export class LiveViewer {
  sent = 0;
  acked = 0;
  dropped = 0;
  readonly openedAt = new Date();
  /** Start at a key frame: a viewer joining mid-stream cannot decode a fragment that depends on earlier ones. */
  private skipping = true;

  constructor(
    readonly ws: WebSocket,
    readonly principal: Principal,
    readonly request: { deviceId: string; cameraId: string; reason: string },
    private limits: ViewerLimits = DEFAULT_VIEWER_LIMITS,
  ) {}

  get open(): boolean {
    return this.ws.readyState === this.ws.OPEN;
  }

  send(m: LiveViewServerMessage) {
    if (this.open) this.ws.send(JSON.stringify(m));
  }

  /** The init segment is always sent: without it nothing after can play. */
  sendInit(init: Uint8Array) {
    if (!this.open) return;
    this.sent++;
    this.ws.send(init);
  }

  /** Offers one fragment; returns false when it was dropped for this viewer. */
  offer(data: Uint8Array, keyframe: boolean): boolean {
    if (!this.open) return false;
    const behind =
      this.sent - this.acked >= this.limits.windowMessages ||
      this.ws.bufferedAmount + data.length > this.limits.maxBufferedBytes;
    if (behind || (this.skipping && !keyframe)) {
      this.skipping = true;
      this.dropped++;
      return false;
    }
    this.skipping = false;
    this.sent++;
    this.ws.send(data);
    return true;
  }

  /** The browser's cumulative count; a count beyond what was sent is a lie and is capped. */
  ack(received: number) {
    this.acked = Math.max(this.acked, Math.min(received, this.sent));
  }

  close(code: number, reason: string) {
    if (this.ws.readyState === this.ws.OPEN || this.ws.readyState === this.ws.CONNECTING) this.ws.close(code, reason);
  }
}
