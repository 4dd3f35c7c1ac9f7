import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import type { CameraConfig } from '../config';
import { createLogger, type Logger } from '../log';
import { type CameraState, urlSecrets } from '@shopwatch/protocols';
import { buildFfmpegArgs } from './ffmpeg-args';
import { FrameReader, type Frame } from './frame-reader';
import { Backoff } from '../util/backoff';
import {
  classifyExit,
  clip,
  type LocalCameraStatus,
  redactCredentials,
  type StatusListener,
  Watchdog,
} from './watchdog';

export interface CameraOptions {
  camera: CameraConfig;
  /** This camera's rolling-buffer directory (created if missing). */
  segmentDir: string;
  segmentSeconds: number;
  ffmpegPath?: string;
  /** No frame for this long → `offline` and ffmpeg is restarted. */
  watchdogTimeoutSeconds: number;
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  /** Every decoded frame, in memory only. Exceptions are logged and swallowed. */
  onFrame: (frame: Frame) => void;
  onStatus?: StatusListener;
  log?: Logger;
}

/**
 * One camera: ONE ffmpeg process that records stream-copied segments and decodes small RGB
 * frames (see {@link buildFfmpegArgs}), supervised by a watchdog that restarts it with
 * exponential backoff when it exits or stops delivering frames, and reports `online` /
 * `offline` / `error` with a reason whenever that changes.
 *
 * @example
 * const cam = new Camera({ camera, segmentDir, segmentSeconds: 2, watchdogTimeoutSeconds: 10,
 *   onFrame: (f) => matcher.push(f), onStatus: (s) => uplink.cameraStatus(s) });
 * cam.start(); ... await cam.stop();
 */
export class Camera {
  readonly id: string;
  private proc: ChildProcess | undefined;
  private reader: FrameReader | undefined;
  private stderrTail: string[] = [];
  private stalled = false;
  private spawnError: string | undefined;
  private procClosed = true;
  private stopping = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private readonly backoff: Backoff;
  private readonly watchdog: Watchdog;
  private readonly log: Logger;
  /** The user names, passwords and tokens in this camera's URLs, hidden from every reason. */
  private readonly secrets: string[];
  private current: LocalCameraStatus | undefined;
  private runs = 0;
  /** Frames delivered since construction. */
  frames = 0;
  /** Tag of the running ffmpeg's segment files (changes on every restart). */
  runTag = '';

  constructor(private readonly opts: CameraOptions) {
    this.id = opts.camera.id;
    this.secrets = [opts.camera.url, opts.camera.recordUrl ?? ''].flatMap(urlSecrets);
    this.log = opts.log ?? createLogger('agent:camera', { cameraId: this.id });
    this.backoff = new Backoff(opts.backoffInitialMs ?? 500, opts.backoffMaxMs ?? 10_000);
    this.watchdog = new Watchdog(opts.watchdogTimeoutSeconds * 1000, (ms) => this.onStall(ms));
  }

  /** How many times ffmpeg was restarted. */
  get restarts(): number {
    return Math.max(0, this.runs - 1);
  }

  /** Process id of the running ffmpeg, if any (for CPU measurements). */
  get pid(): number | undefined {
    return this.procClosed ? undefined : this.proc?.pid;
  }

  get status(): LocalCameraStatus | undefined {
    return this.current;
  }

  start(): void {
    this.stopping = false;
    mkdirSync(this.opts.segmentDir, { recursive: true });
    this.spawnFfmpeg();
  }

  /** Stops ffmpeg (SIGTERM, then SIGKILL after 3 s) and reports `offline: stopped`. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    this.watchdog.disarm();
    const proc = this.proc;
    if (proc && !this.procClosed) {
      const exited = new Promise<void>((resolve) => proc.once('close', () => resolve()));
      proc.kill('SIGTERM');
      const force = setTimeout(() => proc.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(force);
    }
    this.report('offline', 'stopped');
  }

  private spawnFfmpeg(): void {
    this.runs++;
    this.runTag = `${Date.now().toString(36)}${this.runs.toString(36)}`;
    const { camera } = this.opts;
    const args = buildFfmpegArgs(camera, {
      segmentDir: this.opts.segmentDir,
      segmentSeconds: this.opts.segmentSeconds,
      runTag: this.runTag,
      ioTimeoutSeconds: Math.min(5, this.opts.watchdogTimeoutSeconds),
    });
    this.stderrTail = [];
    this.stalled = false;
    const proc = spawn(this.opts.ffmpegPath ?? 'ffmpeg', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc = proc;
    this.log.debug({ runTag: this.runTag, pid: proc.pid }, 'ffmpeg started');

    this.procClosed = false;
    // Frames still buffered from a process being killed belong to nobody.
    const reader = new FrameReader(camera.id, camera.detectSize.width, camera.detectSize.height, (f) => {
      if (proc === this.proc && !this.stalled) this.onFrame(f);
    });
    this.reader = reader;
    proc.stdout!.pipe(reader);
    proc.stderr!.setEncoding('utf8');
    let partial = '';
    const keep = (line: string) => {
      if (line.trim()) this.stderrTail.push(redactCredentials(line, this.secrets));
      if (this.stderrTail.length > 20) this.stderrTail.shift();
    };
    proc.stderr!.on('data', (text: string) => {
      const lines = (partial + text).split('\n');
      partial = lines.pop() ?? '';
      lines.forEach(keep);
    });
    proc.stderr!.on('end', () => keep(partial));
    this.spawnError = undefined;
    proc.on('error', (err: NodeJS.ErrnoException) => {
      // spawn failure (ENOENT: no such ffmpeg); 'close' follows.
      this.spawnError =
        err.code === 'ENOENT'
          ? `no ffmpeg at ${this.opts.ffmpegPath ?? 'ffmpeg'}`
          : `cannot run ffmpeg: ${err.message}`;
    });
    proc.on('close', (code, signal) => {
      if (proc === this.proc) this.procClosed = true;
      this.onExit(proc, code, signal);
    });
    this.watchdog.arm();
  }

  private onFrame(frame: Frame): void {
    if (this.stopping) return;
    this.frames++;
    this.watchdog.feed();
    if (this.current?.status !== 'online') {
      this.backoff.reset();
      this.report('online', null);
    }
    try {
      this.opts.onFrame(frame);
    } catch (err) {
      this.log.error({ err }, 'frame consumer failed');
    }
  }

  private onStall(silentMs: number): void {
    if (this.stopping || !this.proc) return;
    this.stalled = true;
    this.report('offline', `no frames for ${Math.round(silentMs / 1000)} s`);
    this.proc.kill('SIGKILL');
  }

  private onExit(proc: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (proc !== this.proc) return;
    this.watchdog.disarm();
    this.reader?.reset();
    if (this.stopping) return;
    if (this.spawnError) {
      this.report('error', this.spawnError);
    } else if (!this.stalled) {
      const { status, reason } = classifyExit(code, signal, this.stderrTail);
      this.report(status, reason);
    }
    const delay = this.backoff.next();
    this.log.info({ code, signal, delayMs: delay, tail: this.stderrTail.slice(-3) }, 'ffmpeg ended; restarting');
    this.restartTimer = setTimeout(() => {
      if (!this.stopping) this.spawnFfmpeg();
    }, delay);
  }

  private report(status: CameraState, reason: string | null): void {
    if (this.current?.status === status && this.current.reason === reason) return;
    this.current = {
      cameraId: this.id,
      name: this.opts.camera.name,
      status,
      // Redacted again: a reason may also come from a spawn error or a future code path.
      reason: reason === null ? null : clip(redactCredentials(reason, this.secrets)),
      since: new Date().toISOString(),
    };
    this.log.info({ status, reason: this.current.reason }, `camera ${status}`);
    try {
      this.opts.onStatus?.(this.current);
    } catch (err) {
      this.log.error({ err }, 'status listener failed');
    }
  }
}
