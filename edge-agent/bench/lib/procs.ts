import fs from 'node:fs';
import { sample } from '../../../hub/bench/lib/proc';

const TICK = 100; // USER_HZ on Linux

export interface ProcInfo {
  pid: number;
  comm: string;
  cmdline: string;
  cpuSeconds: number;
  /** CPU seconds of the children it has reaped (the tool host's ffmpeg jobs). */
  reapedSeconds: number;
}

/** Live children of `ppid` (scanning /proc), with their own CPU seconds (all threads). */
export function childrenOf(ppid: number): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) !== ppid) continue; // fields[1] = ppid (field 4 of proc(5))
      const pid = Number(name);
      out.push({
        pid,
        comm: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')),
        cmdline: fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').replace(/\0/g, ' '),
        cpuSeconds: sample(pid).cpuSeconds,
        reapedSeconds: (Number(fields[13]) + Number(fields[14])) / TICK,
      });
    } catch {
      // exited while we looked
    }
  }
  return out;
}

/**
 * CPU seconds of the children `pid` has already reaped (cutime + cstime): short-lived ffmpeg
 * and ffprobe runs (clip cuts) that exited between two samples land here.
 */
export function reapedChildrenSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) / TICK;
}

/** CPU seconds of a process, or null once it is gone. */
export function cpuOf(pid: number): number | null {
  try {
    return sample(pid).cpuSeconds;
  } catch {
    return null;
  }
}

/** Busy and total CPU seconds of the whole box since boot, from the first line of /proc/stat. */
export function boxCpu(): { busy: number; total: number; steal: number } {
  const [, ...ticks] = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
  const t = ticks.map(Number); // user nice system idle iowait irq softirq steal guest guest_nice
  const total = t.slice(0, 8).reduce((a, b) => a + b, 0); // guest time is already in user
  return { busy: (total - t[3]! - t[4]!) / TICK, total: total / TICK, steal: t[7]! / TICK };
}

/** CPU seconds of every thread of `pid`, by thread id (the main thread's id is the pid). */
export function threadsOf(pid: number): Map<number, number> {
  const out = new Map<number, number>();
  for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(tid), (Number(fields[11]) + Number(fields[12])) / TICK);
    } catch {
      // the thread ended while we looked
    }
  }
  return out;
}
