import { LIVE_PATHS, type LiveViewClientMessage, LiveViewServerMessage } from '@shopwatch/protocols';

export type PlayerState =
  | { kind: 'connecting' }
  | { kind: 'waiting' }
  | { kind: 'playing' }
  | { kind: 'ended'; reason: string }
  | { kind: 'error'; message: string };

export interface LiveTarget {
  deviceId: string;
  cameraId: string;
  reason: string;
}

/** Keep this much video behind the playhead; older media is removed so memory stays flat. */
const KEEP_BEHIND_S = 10;
/** Further than this behind the newest picture, the player jumps to it (live, not a recording). */
const MAX_LAG_S = 1.0;

/**
 * Plays one camera from the hub's `/live/view` socket with Media Source Extensions
 * (ManagedMediaSource where that is what the browser has, e.g. iPhone Safari). Appends the init
 * segment, then each fragment in order; acknowledges every append so the hub keeps this viewer's
 * queue short; removes old media; keeps the playhead at the live edge, jumping over the gaps the
 * hub leaves when it had to drop fragments for a slow link.
 */
export class LivePlayer {
  private ws: WebSocket | null = null;
  private source: MediaSource | null = null;
  private buffer: SourceBuffer | null = null;
  private queue: ArrayBuffer[] = [];
  private appended = 0;
  private objectUrl: string | null = null;
  private stopped = false;
  /** Media time of the first picture, for measuring (see the dashboard live test). */
  firstMediaTime: number | null = null;
  /** The MIME type (with the codec string) the hub announced. */
  mime: string | null = null;

  constructor(
    private video: HTMLVideoElement,
    private target: LiveTarget,
    private onState: (s: PlayerState) => void,
    /** The session token when script has it; without it the session cookie authenticates. */
    private token: string | null,
  ) {}

  start() {
    this.onState({ kind: 'connecting' });
    const url = `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}${LIVE_PATHS.view}`;
    const ws = new WebSocket(url);
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    ws.onopen = () => this.token && this.send({ type: 'hello', token: this.token });
    ws.onmessage = (e) => (typeof e.data === 'string' ? this.onText(e.data) : this.onMedia(e.data as ArrayBuffer));
    ws.onclose = () => !this.stopped && this.fail({ kind: 'ended', reason: 'the connection to the hub closed' });
  }

  stop() {
    this.stopped = true;
    this.ws?.close(1000, 'viewer closed');
    this.ws = null;
    this.video.removeAttribute('src');
    this.video.load();
    if (this.objectUrl) URL.revokeObjectURL(this.objectUrl);
    this.objectUrl = null;
  }

  private send(m: LiveViewClientMessage) {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(m));
  }

  private fail(s: PlayerState) {
    if (this.stopped) return;
    this.onState(s);
    this.stop();
  }

  private onText(text: string) {
    let m: LiveViewServerMessage;
    try {
      m = LiveViewServerMessage.parse(JSON.parse(text));
    } catch {
      return; // a message this version does not know: ignore it
    }
    if (m.type === 'authenticated') {
      this.onState({ kind: 'waiting' });
      this.send({ type: 'open', ...this.target });
    } else if (m.type === 'ready') this.setUp(m.mime);
    else if (m.type === 'ended') this.fail({ kind: 'ended', reason: m.reason });
    else if (m.type === 'error') this.fail({ kind: 'error', message: m.error.message });
  }

  private setUp(mime: string) {
    this.mime = mime;
    const w = window as unknown as { ManagedMediaSource?: typeof MediaSource };
    const Source = w.ManagedMediaSource ?? window.MediaSource;
    if (!Source?.isTypeSupported(mime)) {
      return this.fail({ kind: 'error', message: `this browser cannot play ${mime}` });
    }
    const source = new Source();
    this.source = source;
    // ManagedMediaSource plays only with remote playback (AirPlay) switched off.
    if (w.ManagedMediaSource) this.video.disableRemotePlayback = true;
    source.addEventListener(
      'sourceopen',
      () => {
        const buffer = source.addSourceBuffer(mime);
        buffer.mode = 'segments';
        buffer.addEventListener('updateend', () => this.afterAppend());
        this.buffer = buffer;
        this.pump();
      },
      { once: true },
    );
    this.objectUrl = URL.createObjectURL(source);
    this.video.src = this.objectUrl;
  }

  private onMedia(data: ArrayBuffer) {
    this.queue.push(data);
    this.pump();
  }

  private pump() {
    const b = this.buffer;
    if (!b || b.updating || this.stopped || this.source?.readyState !== 'open') return;
    const t = this.video.currentTime;
    if (b.buffered.length && t - b.buffered.start(0) > 2 * KEEP_BEHIND_S) return b.remove(0, t - KEEP_BEHIND_S);
    const next = this.queue.shift();
    if (!next) return;
    try {
      b.appendBuffer(next);
      this.appended++;
    } catch (err) {
      // QuotaExceededError: drop what is behind and try again after the removal.
      if ((err as DOMException).name === 'QuotaExceededError' && b.buffered.length) {
        this.queue.unshift(next);
        b.remove(0, Math.max(b.buffered.start(0) + 0.1, t - 1));
      } else this.fail({ kind: 'error', message: `the stream could not be played: ${(err as Error).message}` });
    }
  }

  private afterAppend() {
    this.send({ type: 'ack', received: this.appended });
    this.chaseLiveEdge();
    this.pump();
  }

  private chaseLiveEdge() {
    const v = this.video;
    const r = v.buffered;
    if (!r.length) return;
    const last = r.length - 1;
    if (this.firstMediaTime === null) this.firstMediaTime = r.start(0);
    // After a gap (fragments dropped for us) or too far behind: go to the newest picture.
    const behind = r.end(last) - v.currentTime;
    if (v.currentTime < r.start(last) || behind > MAX_LAG_S) v.currentTime = Math.max(r.start(last), r.end(last) - 0.3);
    if (v.paused) {
      v.play().then(
        () => this.onState({ kind: 'playing' }),
        () => {},
      );
    }
  }
}
