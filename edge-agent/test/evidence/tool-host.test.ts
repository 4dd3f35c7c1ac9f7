import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runTool, toolHostPid } from '../../src/evidence/tool';
import { alive, hangingTool } from '../support/hanging-tool';

const dir = mkdtempSync(join(tmpdir(), 'edge-tool-host-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until `check` holds, polling every 50 ms, up to `ms`. */
async function until(check: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!check() && Date.now() < end) await sleep(50);
  return check();
}

// Issue 15: a spawn from the agent (hundreds of MB) held its event loop for tens of milliseconds.
describe('ffmpeg/ffprobe jobs start from a small tool host process', () => {
  it('runs each job as a child of the tool host, not of the calling process', async () => {
    const out = await runTool('sh', ['-c', 'echo $PPID'], { timeoutMs: 10_000 });
    const host = toolHostPid();
    expect(host).toBeGreaterThan(0);
    expect(Number(out.trim())).toBe(host);
    expect(host).not.toBe(process.pid);
    // The same host serves the next job: one fork of the caller in all, not one per job.
    expect(Number((await runTool('sh', ['-c', 'echo $PPID'], { timeoutMs: 10_000 })).trim())).toBe(host);
  });

  it('hands binary output over whole and in order', async () => {
    const chunks: Buffer[] = [];
    // 3 MiB of a repeating byte pattern: many IPC messages.
    const args = ['-c', 'head -c 3145728 /dev/zero | tr "\\000" "\\253"'];
    await runTool('sh', args, { timeoutMs: 20_000, onStdout: (c) => chunks.push(c) });
    const all = Buffer.concat(chunks);
    expect(all.length).toBe(3 * 1024 * 1024);
    expect(all.every((b) => b === 0xab)).toBe(true);
  });

  it('fails the running job when the host dies, and serves the next one from a new host', async () => {
    const tool = hangingTool(mkdtempSync(join(dir, 'a-')), 30);
    const job = runTool(tool.path, [], { timeoutMs: 20_000, what: 'a hanging job' }).catch((e: unknown) => e);
    const first = toolHostPid()!;
    await until(() => tool.pids().length === 2, 5000);
    process.kill(first, 'SIGKILL');
    const err = await job;
    expect(err).toMatchObject({ code: 'failed' });
    expect((err as Error).message).toMatch(/tool host ended/);
    const out = await runTool('sh', ['-c', 'echo $PPID'], { timeoutMs: 10_000 });
    expect(Number(out.trim())).not.toBe(first);
    expect(Number(out.trim())).toBe(toolHostPid());
    // The orphaned job of the killed host is its own group: it is killed on the next
    // stop of the agent's host, not here; kill it so the test leaves nothing behind.
    for (const pid of tool.pids()) if (alive(pid)) process.kill(pid, 'SIGKILL');
  }, 30_000);

  it('leaves no job running when the calling process is killed', async () => {
    const tool = hangingTool(mkdtempSync(join(dir, 'b-')), 30);
    const src = join(import.meta.dirname, '../../src/evidence/tool.ts');
    const script =
      `import { runTool, toolHostPid } from ${JSON.stringify(src)};\n` +
      `void runTool(${JSON.stringify(tool.path)}, [], { timeoutMs: 60_000 }).catch(() => {});\n` +
      'setTimeout(() => console.log(toolHostPid()), 500);\nsetInterval(() => {}, 1000);\n';
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    expect(await until(() => out.trim().length > 0 && tool.pids().length === 2, 20_000)).toBe(true);
    const hostPid = Number(out.trim());
    expect(alive(hostPid)).toBe(true);
    expect(tool.pids().every(alive)).toBe(true);
    child.kill('SIGKILL');
    // The host sees its channel close and takes the job's whole group with it.
    expect(await until(() => !alive(hostPid) && !tool.pids().some(alive), 5000)).toBe(true);
  }, 40_000);
});
