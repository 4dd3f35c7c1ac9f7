import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * The edge agent as `npm run edge -- --config FILE` runs it: a real process, its log lines
 * captured (JSON lines on stdout), stopped with SIGTERM like a service manager or killed.
 *
 * @example
 * const agent = startAgentProcess(configObject, dir);
 * await agent.waitForLine(/edge agent started/, 30_000);
 * await agent.stop(); // SIGTERM, resolves with the exit code
 */
export interface AgentProcess {
  readonly proc: ChildProcess;
  /** stdout and stderr so far. */
  output(): string;
  waitForLine(re: RegExp, timeoutMs: number): Promise<string>;
  /** SIGTERM, then waits for the exit (SIGKILL after `graceMs`). */
  stop(graceMs?: number): Promise<number | null>;
  /** SIGKILL: nothing of the agent runs after it, as after a power cut or an OOM kill. */
  kill(): Promise<void>;
}

export function startAgentProcess(config: unknown, dir: string, env: Record<string, string> = {}): AgentProcess {
  const file = path.join(dir, `edge-${Date.now()}.json`);
  fs.writeFileSync(file, JSON.stringify(config, null, 2));
  const proc = spawn(process.execPath, ['--import', 'tsx', 'edge-agent/src/main.ts', '--config', file], {
    cwd: ROOT,
    env: { ...process.env, VITEST: '', SHOPWATCH_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  return {
    proc,
    output: () => out,
    async waitForLine(re, timeoutMs) {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const line = out.split('\n').find((l) => re.test(l));
        if (line) return line;
        const tail = out.slice(-3000);
        if (proc.exitCode !== null) throw new Error(`edge agent exited (${proc.exitCode}) before ${re}:\n${tail}`);
        if (Date.now() > end) throw new Error(`timed out waiting for ${re} in the agent's output:\n${tail}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async stop(graceMs = 60_000) {
      if (proc.exitCode !== null || proc.signalCode !== null) return proc.exitCode;
      proc.kill('SIGTERM');
      const force = setTimeout(() => proc.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(force);
      return code;
    },
    async kill() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGKILL');
      await exited;
    },
  };
}
