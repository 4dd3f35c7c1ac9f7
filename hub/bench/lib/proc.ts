import fs from 'node:fs';
import os from 'node:os';

const TICK = 100; // USER_HZ on Linux
const PAGE = 4096;

/** CPU seconds (user + system) and resident memory of a process, read from /proc. */
export function sample(pid: number): { cpuSeconds: number; rssBytes: number } {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  const rssPages = Number(fields[21]);
  return { cpuSeconds: (utime + stime) / TICK, rssBytes: rssPages * PAGE };
}

/** CPU seconds (user + system) one thread of a process has used; the main thread's id is the pid. */
export function threadCpuSeconds(pid: number, tid = pid): number {
  const stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICK;
}

/** CPU used between two samples, as a fraction of one core. */
export function cpuShare(a: { cpuSeconds: number }, b: { cpuSeconds: number }, wallSeconds: number) {
  return (b.cpuSeconds - a.cpuSeconds) / wallSeconds;
}

export const machine = () => ({
  cpus: os.cpus().length,
  model: os.cpus()[0]?.model ?? 'unknown',
  node: process.version,
});

/** One snapshot of every process on the machine: pid → its program and CPU seconds so far. */
export type ProcessCpu = Map<number, { name: string; cpuSeconds: number }>;

/**
 * CPU seconds used so far by every process on the machine, named by program (`comm`), the listed
 * pids by their own name instead ("hub" for the hub processes, say), kernel threads as "kernel".
 * Two snapshots taken around a phase say where its CPU went (cpuSpent): the hub, PostgreSQL's
 * backends, Redis, HAProxy, or the clients.
 */
export function cpuByProgram(named: Record<string, number[]> = {}): ProcessCpu {
  const nameOf = new Map<number, string>();
  for (const [name, pids] of Object.entries(named)) for (const pid of pids) nameOf.set(pid, name);
  const out: ProcessCpu = new Map();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // ended while we looked
    }
    const pid = Number(entry);
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Kernel threads (children of kthreadd) rename themselves with the work they do.
    const name = nameOf.get(pid) ?? (fields[1] === '2' ? 'kernel' : comm);
    out.set(pid, { name, cpuSeconds: (Number(fields[11]) + Number(fields[12])) / TICK });
  }
  return out;
}

/**
 * CPU milliseconds per program between two snapshots, divided by `per`, largest first. A process
 * that started between them counts whole; one that ended between them is not counted.
 */
export function cpuSpent(before: ProcessCpu, after: ProcessCpu, per = 1): Record<string, number> {
  const byName = new Map<string, number>();
  for (const [pid, a] of after) {
    const spent = a.cpuSeconds - (before.get(pid)?.cpuSeconds ?? 0);
    byName.set(a.name, (byName.get(a.name) ?? 0) + spent);
  }
  const rows = [...byName]
    .map(([name, s]) => [name, (s * 1000) / per] as const)
    .filter(([, ms]) => ms >= 0.5)
    .sort((a, b) => b[1] - a[1]);
  return Object.fromEntries(rows.map(([n, ms]) => [n, +ms.toFixed(1)]));
}
