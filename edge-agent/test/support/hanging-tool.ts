import fs from 'node:fs';
import path from 'node:path';

/**
 * A stand-in for ffprobe/ffmpeg that hangs (as a wedged binary or a stalled network mount
 * would): a shell script that records its pid and its child's pid, then sleeps. Returns the
 * script's path and a function reading the pids it wrote.
 */
export function hangingTool(dir: string, seconds = 60): { path: string; pids(): number[] } {
  const file = path.join(dir, 'hanging-tool.sh');
  const pids = path.join(dir, 'hanging-tool.pids');
  const script = `#!/bin/sh\necho $$ >> '${pids}'\nsleep ${seconds} &\necho $! >> '${pids}'\nwait\n`;
  fs.writeFileSync(file, script, { mode: 0o755 });
  return {
    path: file,
    pids: () => (fs.existsSync(pids) ? fs.readFileSync(pids, 'utf8').split('\n').filter(Boolean).map(Number) : []),
  };
}

/** True while a process with this pid exists (and is not a zombie). */
export function alive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
