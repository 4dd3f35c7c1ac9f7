import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('../../../scripts/demo/rtsp-server.py', import.meta.url));
// Debian's python3 has the GObject bindings (python3-gi); a pyenv/venv python may not.
const PYTHON = process.env.SHOPWATCH_TEST_PYTHON ?? '/usr/bin/python3';

export interface RtspServerOptions {
  /** mount name → H.264 file (MP4/MKV, no B-frames), served in an endless loop */
  mounts: Record<string, string>;
  /** 0 (default) = any free port; kept across stop()/start() */
  port?: number;
}

/**
 * A real RTSP camera for tests (GStreamer's RTSP server, see rtsp-server.py).
 *
 * @example
 * const rtsp = await startRtspServer({ mounts: { cam1: await testVideo() } });
 * rtsp.url('cam1'); // rtsp://127.0.0.1:41234/cam1
 * await rtsp.stop();  // camera gone (connections drop)
 * await rtsp.start(); // back, same port
 * await rtsp.close();
 */
export interface RtspServer {
  readonly port: number;
  url(mount: string): string;
  readonly running: boolean;
  /** Kills the server process: every client loses its connection. */
  stop(): Promise<void>;
  /** Starts it again on the same port. */
  start(): Promise<void>;
  /** Keeps connections open but stops sending frames (a frozen camera). */
  pause(): void;
  resume(): void;
  close(): Promise<void>;
}

export async function startRtspServer(opts: RtspServerOptions): Promise<RtspServer> {
  let port = opts.port ?? 0;
  let proc: ChildProcess | undefined;

  const launch = async (): Promise<void> => {
    const args = [SCRIPT, '--port', String(port)];
    for (const [name, file] of Object.entries(opts.mounts)) args.push('--mount', `${name}=${file}`);
    const child = spawn(PYTHON, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    proc = child;
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`RTSP server did not start: ${stderr}`)), 30_000);
      let out = '';
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /READY (\d+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`RTSP server exited (${code}): ${stderr}`));
      });
    });
  };

  const stop = async (): Promise<void> => {
    const child = proc;
    proc = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    const force = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(force);
  };

  const killOnExit = () => proc?.kill('SIGKILL');
  process.once('exit', killOnExit);
  await launch();

  return {
    get port() {
      return port;
    },
    url: (mount) => `rtsp://127.0.0.1:${port}/${mount}`,
    get running() {
      return proc !== undefined;
    },
    stop,
    start: async () => {
      // The port was just released; if something holds it for a moment, try again.
      for (let attempt = 1; !proc; attempt++) {
        try {
          await launch();
        } catch (err) {
          proc = undefined;
          if (attempt >= 5) throw err;
          await new Promise((r) => setTimeout(r, 500));
        }
      }
    },
    pause: () => proc?.stdin?.write('pause\n'),
    resume: () => proc?.stdin?.write('resume\n'),
    close: async () => {
      await stop();
      process.off('exit', killOnExit);
    },
  };
}
