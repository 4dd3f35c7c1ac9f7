import { type ChildProcess, spawn } from 'node:child_process';
import type WebSocket from 'ws';
import { type LiveEdgeMessage, Mp4Splitter, inspectFragment, inspectInit } from '@shopwatch/protocols';
import type { CameraConfig } from '../config';
import type { Logger } from '../log';
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
}

const MAX_OUTBOX = 100;

/**
 * One live stream: one ffmpeg (stream copy to fMP4) and one socket to the hub, living and dying
 * together. Whichever ends first ends the other, so no ffmpeg outlives its viewers (the failure
 * of node-rtsp-stream this replaces). However many people watch, the box runs this once per
 * camera: the hub fans the stream out.
 */
export class LiveStream {
  private ffmpeg: ChildProcess | null = null;
  private ws: WebSocket;
  private ended = false;
  private stderr = '';
  private skipping = false;
  /** Segments made before the socket was open (at most {@link MAX_OUTBOX}). */
  private outbox: Uint8Array[] = [];
  /** Wall-clock time ffmpeg was started, and when its first fragment was sent (ms since epoch). */
  readonly times: { spawnedAt: number | null; firstFragmentAt: number | null } = {
    spawnedAt: null,
    firstFragmentAt: null,
  };
  readonly counts = { fragments: 0, dropped: 0, bytes: 0 };

  constructor(private o: LiveStreamOptions) {
    this.ws = dialHub(o.link, o.streamId);
    // ffmpeg starts while the socket is being dialled: the camera handshake and the hub's are
    // both round trips, and the first picture waits for the slower one, not for both in turn.
    this.ws.on('open', () =>
      this.outbox.splice(0).forEach((d) => {
        this.ws.send(d);
      }),
    );
    this.spawnFfmpeg();
    this.ws.on('error', (err) => o.log.warn({ streamId: o.streamId, err: err.message }, 'live socket error'));
    this.ws.on('unexpected-response', (req, res) => {
      req.destroy();
      this.end(`hub refused the stream (${res.statusCode})`);
    });
    this.ws.on('close', (code, reason) => this.end(`hub closed the stream (${code} ${reason.toString()})`));
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
            this.send(seg.data);
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
    if (this.counts.fragments === 0) this.times.firstFragmentAt = Date.now();
    this.counts.fragments++;
    this.counts.bytes += data.length;
    this.send(data);
  }

  private send(data: Uint8Array) {
    if (this.ended) return; // ffmpeg may still flush a little after it was told to stop
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(data);
    else if (this.outbox.length < MAX_OUTBOX) this.outbox.push(data);
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
