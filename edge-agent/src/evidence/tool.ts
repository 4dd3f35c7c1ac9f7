import { spawn } from 'node:child_process';

/** How long an ffprobe may take to read one clip's header: far more than it ever needs. */
export const PROBE_TIMEOUT_MS = 15_000;
/** How long joining ~20–60 s of segments with `-c copy` may take (a copy, not an encode). */
export const JOIN_TIMEOUT_MS = 60_000;

export class ToolError extends Error {
  constructor(
    readonly code: 'timeout' | 'failed',
    message: string,
    readonly stderr = '',
  ) {
    super(message);
    this.name = 'ToolError';
  }
}

/**
 * Runs one ffmpeg/ffprobe job and resolves with its stdout. A job that outlives `timeoutMs` is
 * killed with SIGKILL together with everything it started (its own process group: a wrapper
 * script's children would otherwise keep the pipes open and the promise pending), and the call
 * fails with a `timeout` ToolError at once — a hung tool must never stall the evidence path.
 *
 * @example
 * const json = await runTool('ffprobe', ['-of', 'json', ...], { timeoutMs: 15_000, what: 'ffprobe' });
 */
export function runTool(
  cmd: string,
  args: string[],
  /** `onStdout`: binary output is handed over as it comes (and the promise resolves with ''). */
  opts: { timeoutMs: number; what?: string; onStdout?: (chunk: Buffer) => void },
): Promise<string> {
  const what = opts.what ?? cmd;
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    let settled = false;
    const done = (err: Error | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(stdout);
    };
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL'); // the whole group
      } catch {
        child.kill('SIGKILL');
      }
      const seconds = Math.round(opts.timeoutMs / 100) / 10;
      done(new ToolError('timeout', `${what} took longer than ${seconds} s and was killed`));
    }, opts.timeoutMs);
    if (opts.onStdout) child.stdout!.on('data', opts.onStdout);
    else child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-4000)));
    child.on('error', (err) => done(new ToolError('failed', `cannot run ${what}: ${err.message}`)));
    child.on('close', (code, signal) => {
      if (code === 0) return done(null);
      const how = signal ?? `exit code ${code}`;
      done(new ToolError('failed', `${what} failed (${how}): ${stderr.trim().slice(-500)}`, stderr));
    });
  });
}
