import type { WebSocket } from 'ws';
import { LiveEdgeMessage, Mp4Error, inspectFragment, inspectInit } from '@shopwatch/protocols';
import type { Logger } from '../log';
import type { LiveViewer } from './viewer';

/** Bytes of the current group of pictures kept so a new viewer sees a picture at once. */
const MAX_GOP_BYTES = 4 * 1024 * 1024;

/**
 * One camera's live stream on the hub: the edge box's socket, the init segment, the fragments
 * since the last key frame, and the viewers it is relayed to. The edge box is a device, so every
 * message it sends is checked (an init segment first, then fragments, each a well-formed box
 * sequence of bounded size) before any viewer gets it; the first bad one ends the stream.
 */
export class LiveSession {
  state: 'starting' | 'live' | 'ended' = 'starting';
  readonly viewers = new Set<LiveViewer>();
  mime: string | null = null;
  fragments = 0;
  private init: Uint8Array | null = null;
  private defaultFlags = 0;
  private gop: Uint8Array[] = [];
  private gopBytes = 0;
  /** False after a GOP outgrew the cache, until the next key frame. */
  private gopValid = false;
  private edge: WebSocket | null = null;
  graceTimer: NodeJS.Timeout | null = null;
  startTimer: NodeJS.Timeout | null = null;
  /**
   * Settles once the edge box may be asked (cluster mode: the stream's claim is recorded);
   * rejected when it may not, and then the box is never asked. Viewers join only after it.
   */
  requested: Promise<void> = Promise.resolve();

  constructor(
    readonly streamId: string,
    readonly scheme: string,
    readonly deviceId: string,
    readonly cameraId: string,
    private log: Logger,
    private onEnd: (s: LiveSession, reason: string) => void,
  ) {}

  get edgeConnected(): boolean {
    return this.edge !== null;
  }

  attachEdge(ws: WebSocket) {
    if (this.edge || this.state === 'ended') return ws.close(1008, 'this stream already has a source');
    this.edge = ws;
    ws.on('message', (data, isBinary) => this.onEdgeMessage(data as Buffer, isBinary));
    ws.on('close', () => {
      this.edge = null;
      this.end('the edge box closed the stream');
    });
    ws.on('error', (err) => this.log.warn({ streamId: this.streamId, err: err.message }, 'edge live socket error'));
  }

  private onEdgeMessage(data: Buffer, isBinary: boolean) {
    if (this.state === 'ended') return;
    if (!isBinary) {
      let reason = 'the edge box sent an unreadable message';
      try {
        const r = LiveEdgeMessage.safeParse(JSON.parse(data.toString('utf8')));
        if (r.success) reason = `the edge box could not stream: ${r.data.reason}`;
      } catch {}
      return this.end(reason);
    }
    try {
      if (!this.init) return this.takeInit(data);
      const { keyframe } = inspectFragment(data, this.defaultFlags);
      this.fragments++;
      if (keyframe) {
        this.gop = [];
        this.gopBytes = 0;
        this.gopValid = true;
      }
      if (this.gopValid && this.gopBytes + data.length <= MAX_GOP_BYTES) {
        this.gop.push(data);
        this.gopBytes += data.length;
      } else {
        this.gop = []; // too long a GOP to keep: new viewers wait for the next key frame
        this.gopValid = false;
      }
      for (const v of this.viewers) v.offer(data, keyframe);
    } catch (err) {
      // Never throw out of a socket handler: one bad stream must not take the hub down.
      const ids = { streamId: this.streamId, deviceId: this.deviceId };
      if (err instanceof Mp4Error) {
        this.log.warn({ ...ids, err: err.message }, 'edge sent a malformed live segment');
        this.end(`the edge box sent a malformed segment: ${err.message}`);
      } else {
        this.log.error({ ...ids, err }, 'live relay failed');
        this.end('the hub could not relay this stream');
      }
    }
  }

  private takeInit(data: Buffer) {
    const info = inspectInit(data);
    this.init = data;
    this.mime = info.mime;
    this.defaultFlags = info.defaultSampleFlags;
    this.state = 'live';
    if (this.startTimer) clearTimeout(this.startTimer);
    for (const v of this.viewers) this.welcome(v);
  }

  /** A viewer gets `ready`, the init segment and the current GOP, then every new fragment. */
  private welcome(v: LiveViewer) {
    const { streamId, deviceId, cameraId } = this;
    v.send({ type: 'ready', streamId, deviceId, cameraId, mime: this.mime! });
    v.sendInit(this.init!);
    this.gop.forEach((f, i) => {
      v.offer(f, i === 0);
    });
  }

  addViewer(v: LiveViewer) {
    this.viewers.add(v);
    if (this.graceTimer) clearTimeout(this.graceTimer);
    this.graceTimer = null;
    if (this.state === 'live') this.welcome(v);
  }

  removeViewer(v: LiveViewer) {
    this.viewers.delete(v);
  }

  /** Ends the stream for everyone: viewers are told why, the edge socket is closed (which ends its ffmpeg). */
  end(reason: string) {
    if (this.state === 'ended') return;
    this.state = 'ended';
    if (this.graceTimer) clearTimeout(this.graceTimer);
    if (this.startTimer) clearTimeout(this.startTimer);
    for (const v of this.viewers) {
      v.send({ type: 'ended', reason });
      v.close(1000, 'stream ended');
    }
    this.edge?.close(1000, 'stream ended');
    this.gop = [];
    this.onEnd(this, reason);
  }
}
