import { type ChildProcess, spawn } from 'node:child_process';
import type WebSocket from 'ws';
import { type LiveEdgeMessage, Mp4Splitter, inspectFragment, inspectInit } from '@shopwatch/protocols';
import type { CameraConfig } from '../config';
import type { Logger } from '../log';
import { Backoff } from '../util/backoff';
import { buildLiveArgs } from './live-args';
import { type HubLink, MAX_SEGMENT_BYTES, dialHub, redactUrls } from './hub-socket';

export interface LiveStreamOptions {
  link: HubLink;
  streamId: string;
  camera: CameraConfig;
  ffmpegPath: string;
  log: Logger;
  fragmentMs?: number;
  /** Socket backlog beyond which fragments are dropped up to the next key frame (the hub cannot keep up). */
  maxBacklogBytes?: number;
  onEnd: (reason: string) => void;
  /** Redials after a 503 or an unreachable hub: first wait, longest wait, and how long to keep trying. */
  retry?: { firstMs: number; maxMs: number; windowMs: number };
}

const MAX_OUTBOX = 100;
/**
 * The hub gives up a stream whose socket has not come within 15 s and then asks the box to stop;
 * the box stops trying a little later on its own too, in case that stop request is lost.
 */
const RETRY = { firstMs: 250, maxMs: 4000, windowMs: 20_000 };

/**
 * One live stream: one ffmpeg (stream copy to fMP4) and one socket to the hub, living and dying
 * together. Whichever ends first ends the other, so no ffmpeg outlives its viewers (the failure
 * of node-rtsp-stream this replaces). However many people watch, the box runs this once per
 * camera: the hub fans the stream out.
 */
export class LiveStream {
  private ffmpeg: ChildProcess | null = null;
  private ws!: WebSocket;
  private ended = false;
  private backoff: Backoff;
  private redial: NodeJS.Timeout | null = null;
  private readonly dialFrom = Date.now();
  /** How many times the socket was dialled (1 when the hub took it at once). */
  dials = 0;
  private stderr = '';
  private skipping = false;
  /** The init segment and the fragments from the last key frame, made before the socket was open. */
  private outbox: { data: Uint8Array; init: boolean }[] = [];
  /** Wall-clock time ffmpeg was started, and when its first fragment was sent (ms since epoch). */
  readonly times: { spawnedAt: number | null; firstFragmentAt: number | null } = {
    spawnedAt: null,
    firstFragmentAt: null,
  };
  readonly counts = { fragments: 0, dropped: 0, bytes: 0 };

  constructor(private o: LiveStreamOptions) {
    const r = o.retry ?? RETRY;
    this.backoff = new Backoff(r.firstMs, r.maxMs);
    // ffmpeg starts while the socket is being dialled: the camera handshake and the hub's are
    // both round trips, and the first picture waits for the slower one, not for both in turn.
    this.dial();
    this.spawnFfmpeg();
  }

  /**
   * Dials the hub. A 503 (the hub node cannot place the stream now: Redis away, a node draining)
   * or a hub that cannot be reached is tried again with growing waits for as long as the stream
   * is wanted, i.e. until the hub asks to stop or the retry window ends. Any other refusal (401,
   * 403, 400) would be refused again, and a socket that was open and closes ends the stream.
   */
  private dial() {
    this.dials++;
    const ws = dialHub(this.o.link, this.o.streamId);
    this.ws = ws;
    let opened = false;
    let answered = false;
    ws.on('open', () => {
      opened = true;
      this.backoff.reset();
      for (const e of this.outbox.splice(0)) ws.send(e.data);
    });
    ws.on('error', (err) => this.o.log.warn({ streamId: this.o.streamId, err: err.message }, 'live socket error'));
    ws.on('unexpected-response', (req, res) => {
      answered = true;
      req.destroy();
      if (res.statusCode === 503) this.retry('hub busy (503)');
      else this.end(`hub refused the stream (${res.statusCode})`);
    });
    ws.on('close', (code, reason) => {
      if (ws !== this.ws || answered) return; // a superseded attempt
      if (!opened) return this.retry(`hub unreachable (${code})`);
      this.end(`hub closed the stream (${code} ${reason.toString()})`);
    });
  }

  private retry(why: string) {
    if (this.ended) return;
    const wait = this.backoff.next();
    const window = (this.o.retry ?? RETRY).windowMs;
    if (Date.now() + wait - this.dialFrom > window) return this.end(`hub did not take the stream: ${why}`);
    this.o.log.info({ streamId: this.o.streamId, why, wait }, 'live socket refused for now; dialling again');
    this.redial = setTimeout(() => {
      this.redial = null;
      if (!this.ended) this.dial();
    }, wait);
  }

  get pid(): number | null {
    return this.ffmpeg?.pid ?? null;
  }

  get cameraId(): string {
    return this.o.camera.id;
  }

  private spawnFfmpeg(probe: 'fast' | 'safe' = 'fast') {
    const { o } = this;
    if (this.ended) return;
    const args = buildLiveArgs(o.camera, { fragmentMs: o.fragmentMs, probe });
    const child = spawn(o.ffmpegPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let gotInit = false;
    this.ffmpeg = child;
    this.times.spawnedAt = Date.now();
    const splitter = new Mp4Splitter(MAX_SEGMENT_BYTES);
    let defaultFlags = 0;
    child.stdout!.on('data', (chunk: Buffer) => {
      try {
        for (const seg of splitter.push(chunk)) {
          if (seg.kind === 'init') {
            gotInit = true;
            defaultFlags = inspectInit(seg.data).defaultSampleFlags;
            this.send(seg.data, true);
          } else this.sendFragment(seg.data, inspectFragment(seg.data, defaultFlags).keyframe);
        }
      } catch (err) {
        this.fail(`ffmpeg output is not fragmented MP4: ${(err as Error).message}`);
      }
    });
    child.stderr!.on('data', (d: Buffer) => (this.stderr = (this.stderr + d.toString()).slice(-2000)));
    child.on('error', (err) => this.fail(`cannot run ffmpeg: ${err.message}`));
    child.on('exit', (code, signal) => {
      this.ffmpeg = null;
      // No init segment from the fast start: the camera did not announce its SPS; probe this time.
      if (!this.ended && !gotInit && probe === 'fast') return this.spawnFfmpeg('safe');
      const lastLine = this.stderr.trim().split('\n').at(-1) ?? '';
      if (!this.ended) this.fail(`camera stream ended (ffmpeg ${signal ?? code}): ${lastLine}`);
    });
    o.log.info({ streamId: o.streamId, cameraId: o.camera.id, pid: child.pid }, 'live stream started');
  }

  private sendFragment(data: Uint8Array, keyframe: boolean) {
    // A stalled uplink must not grow memory without end: skip to the next key frame instead.
    const backlog = this.ws.bufferedAmount;
    if (this.skipping && !keyframe) return void this.counts.dropped++;
    if (backlog > (this.o.maxBacklogBytes ?? 8 * 1024 * 1024)) {
      this.skipping = true;
      return void this.counts.dropped++;
    }
    this.skipping = false;
    // Waiting for the socket: a viewer starts from the newest key frame, not from old pictures.
    if (keyframe && this.ws.readyState !== this.ws.OPEN) {
      const kept = this.outbox.filter((e) => e.init);
      this.counts.dropped += this.outbox.length - kept.length;
      this.outbox = kept;
    }
    if (this.counts.fragments === 0) this.times.firstFragmentAt = Date.now();
    this.counts.fragments++;
    this.counts.bytes += data.length;
    this.send(data);
  }

  private send(data: Uint8Array, init = false) {
    if (this.ended) return; // ffmpeg may still flush a little after it was told to stop
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(data);
    else if (this.outbox.length < MAX_OUTBOX) this.outbox.push({ data, init });
    else this.fail('the hub did not accept the stream in time');
  }

  /** Tells the hub why (so viewers see it, without the camera's credentials) and ends. */
  private fail(reason: string) {
    if (this.ended) return;
    reason = redactUrls(reason);
    const msg: LiveEdgeMessage = { type: 'failed', reason: reason.slice(0, 500) };
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(JSON.stringify(msg));
    this.end(reason);
  }

  /** Ends the stream: ffmpeg is killed (SIGKILL if SIGTERM is not enough) and the socket closed. */
  stop(reason = 'stopped by the hub') {
    this.end(reason);
  }

  private end(reason: string) {
    if (this.ended) return;
    this.ended = true;
    if (this.redial) clearTimeout(this.redial);
    const child = this.ffmpeg;
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const force = setTimeout(() => child.kill('SIGKILL'), 2000);
      force.unref();
      child.once('exit', () => clearTimeout(force));
    }
    const { readyState, OPEN, CONNECTING } = this.ws;
    if (readyState === OPEN || readyState === CONNECTING) this.ws.close(1000, 'stream ended');
    const ids = { streamId: this.o.streamId, cameraId: this.o.camera.id };
    this.o.log.info({ ...ids, reason, ...this.counts }, 'live stream ended');
    this.o.onEnd(reason);
  }

  /** Resolves when ffmpeg has exited (at once if it never ran or is gone). */
  exited(): Promise<void> {
    const child = this.ffmpeg;
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((r) => child.once('exit', () => r()));
  }
}
