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
