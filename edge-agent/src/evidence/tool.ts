import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

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

/** What the tool host sends back (see tool-host.mjs). */
type HostMessage =
  | { type: 'stdout'; id: number; data: Uint8Array }
  | { type: 'close'; id: number; code: number | null; signal: NodeJS.Signals | null; stderr: string }
  | { type: 'error'; id: number; message: string };

interface Job {
  onStdout: (chunk: Buffer) => void;
  onEnd: (msg: Exclude<HostMessage, { type: 'stdout' }>) => void;
}

let host: ChildProcess | undefined;
let nextJob = 1;
const jobs = new Map<number, Job>();

/**
 * The tool host process, forked on first use (and again if it died). Jobs are spawned there, not
 * here: Node forks the calling process to spawn, and from the agent (hundreds of MB with its
 * onnxruntime sessions) each spawn held the event loop for tens of milliseconds (issue 15).
 */
function toolHost(): ChildProcess {
  if (host?.connected) return host;
  // Plain node: not the agent's loader flags, nor a test runner's.
  const h = fork(fileURLToPath(new URL('./tool-host.mjs', import.meta.url)), [], {
    execArgv: [],
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  h.on('message', (msg: HostMessage) => {
    const job = jobs.get(msg.id);
    if (!job) return; // timed out meanwhile
    if (msg.type === 'stdout') return job.onStdout(Buffer.from(msg.data.buffer, msg.data.byteOffset, msg.data.length));
    jobs.delete(msg.id);
    job.onEnd(msg);
  });
  h.on('error', () => {}); // 'exit' follows and fails the jobs
  h.on('exit', (code, signal) => {
    if (host === h) host = undefined;
    for (const [id, job] of jobs) {
      jobs.delete(id);
      job.onEnd({ type: 'error', id, message: `the tool host ended (${signal ?? `exit code ${code}`})` });
    }
  });
  // Idle, the host must not keep the agent (or a test) running; a job's own timer does meanwhile.
  h.unref();
  h.channel?.unref();
  host = h;
  return h;
}

/**
 * Forks the tool host now, if it is not running: called first thing by the agent, before the
 * inference workers grow it, so that even the one fork of the agent is a cheap one.
 */
export function startToolHost(): void {
  toolHost();
}

/** Process id of the tool host, once started (tests, CPU measurements). */
export function toolHostPid(): number | undefined {
  return host?.connected ? host.pid : undefined;
}

/**
 * Runs one ffmpeg/ffprobe job (through the tool host) and resolves with its stdout. A job that
 * outlives `timeoutMs` is killed with SIGKILL together with everything it started (its own
 * process group: a wrapper script's children would otherwise keep the pipes open), and the call
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
    const id = nextJob++;
    const h = toolHost();
    const out: Buffer[] = [];
    const timer = setTimeout(() => {
      jobs.delete(id);
      if (h.connected) h.send({ type: 'kill', id });
      const seconds = Math.round(opts.timeoutMs / 100) / 10;
      reject(new ToolError('timeout', `${what} took longer than ${seconds} s and was killed`));
    }, opts.timeoutMs);
    jobs.set(id, {
      onStdout: opts.onStdout ?? ((chunk) => out.push(chunk)),
      onEnd: (msg) => {
        clearTimeout(timer);
        if (msg.type === 'error') return reject(new ToolError('failed', `cannot run ${what}: ${msg.message}`));
        // Decoded once whole: a character may straddle two chunks.
        if (msg.code === 0) return resolve(Buffer.concat(out).toString('utf8'));
        const how = msg.signal ?? `exit code ${msg.code}`;
        reject(new ToolError('failed', `${what} failed (${how}): ${msg.stderr.trim().slice(-500)}`, msg.stderr));
      },
    });
    h.send({ type: 'run', id, cmd, args });
  });
}
