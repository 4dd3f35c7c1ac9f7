import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Logger } from '../log';

/**
 * The rolling pre-roll buffer records everybody who walks past a camera, matched or not. It must
 * never reach a disk (issue 11.2): it lives on a memory-backed file system, is emptied when the
 * agent starts (so a crash or SIGKILL leaves nothing after the next start) and when it stops.
 */

/** File systems whose files live in RAM: nothing written there survives a power cut. */
const MEMORY_FS = new Set(['tmpfs', 'ramfs']);

/** Marks a folder as a ShopWatch buffer, so that emptying it can never delete anything else. */
export const BUFFER_MARKER = '.shopwatch-ring';

export class BufferDirError extends Error {
  readonly code = 'buffer_dir_invalid';
  constructor(message: string) {
    super(message);
    this.name = 'BufferDirError';
  }
}

/** The file system type of the mount holding `dir` (or its nearest existing parent), from /proc/mounts. */
export function fileSystemOf(dir: string, mountsFile = '/proc/mounts'): string | undefined {
  let probe = resolve(dir);
  while (!existsSync(probe) && dirname(probe) !== probe) probe = dirname(probe);
  const real = realpathSync(probe);
  let best: { point: string; type: string } | undefined;
  let mounts = '';
  try {
    mounts = readFileSync(mountsFile, 'utf8');
  } catch {
    return undefined; // not Linux: unknown
  }
  for (const line of mounts.split('\n')) {
    const [, rawPoint, type] = line.split(' ');
    if (!rawPoint || !type) continue;
    // /proc/mounts escapes spaces and the like as octal (\040).
    const point = rawPoint.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
    const inside = real === point || real.startsWith(point.endsWith('/') ? point : `${point}/`);
    // Later lines win on equal points: they are mounted over the earlier ones.
    if (inside && (!best || point.length >= best.point.length)) best = { point, type };
  }
  return best?.type;
}

export interface PrepareBufferOptions {
  dir: string;
  /** Allow a disk-backed folder (tests on machines without tmpfs). Never in production. */
  allowDisk: boolean;
  log?: Logger;
}

/**
 * Checks that `dir` is memory-backed (or refuses with a {@link BufferDirError} saying what to
 * do), stops recorders a killed agent left running into it, and empties it. Returns how many
 * files it removed (footage a crash left behind).
 */
export function prepareBufferDir(opts: PrepareBufferOptions): number {
  const type = fileSystemOf(opts.dir);
  if (!opts.allowDisk && (!type || !MEMORY_FS.has(type))) {
    throw new BufferDirError(
      `evidence.bufferDir ${opts.dir} is on ${type ?? 'an unknown file system'}, not in memory: the pre-roll buffer ` +
        'holds footage of everybody who passes a camera and must live on tmpfs or ramfs (e.g. under /dev/shm, or a ' +
        'tmpfs mount). Set evidence.allowDiskBuffer=true only for tests.',
    );
  }
  if (existsSync(opts.dir) && readdirSync(opts.dir).length > 0 && !existsSync(join(opts.dir, BUFFER_MARKER))) {
    throw new BufferDirError(
      `evidence.bufferDir ${opts.dir} holds files that are not a ShopWatch buffer; use an empty folder`,
    );
  }
  const stopped = stopOrphanRecorders(opts.dir);
  const removed = wipeBufferDir(opts.dir);
  mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
  chmodSync(opts.dir, 0o700);
  writeFileSync(join(opts.dir, BUFFER_MARKER), '');
  if (removed || stopped) {
    opts.log?.warn({ removed, stoppedRecorders: stopped }, 'removed footage an earlier run left in the buffer');
  }
  return removed;
}

/**
 * Deletes everything in a ShopWatch buffer folder but the marker, and with `release` (on stop)
 * the marker and the folder too — unless it is a mount point, which stays, empty. Returns how
 * many footage files and folders it removed.
 */
export function wipeBufferDir(dir: string, opts: { release?: boolean } = {}): number {
  if (!existsSync(dir) || !existsSync(join(dir, BUFFER_MARKER))) return 0;
  let removed = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === BUFFER_MARKER) continue;
    const p = join(dir, e.name);
    removed += e.isDirectory() ? readdirSync(p, { recursive: true }).length : 1;
    rmSync(p, { recursive: true, force: true });
  }
  if (opts.release) {
    rmSync(join(dir, BUFFER_MARKER), { force: true });
    try {
      rmdirSync(dir);
    } catch {
      /* a tmpfs mount point (compose) cannot be removed: it stays, empty */
    }
  }
  return removed;
}

/**
 * An agent killed with SIGKILL cannot stop its ffmpeg children, which go on recording into the
 * buffer. Finds processes whose command line names a folder inside `dir` and kills them.
 */
export function stopOrphanRecorders(dir: string): number {
  if (!existsSync('/proc')) return 0;
  const needle = `${resolve(dir)}/`;
  let killed = 0;
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    if (Number(pid) === process.pid) continue;
    let cmd: string;
    try {
      cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue; // gone meanwhile, or not ours to read
    }
    const args = cmd.split('\0');
    if (!/ffmpeg/.test(args[0] ?? '') || !args.some((a) => a.startsWith(needle))) continue;
    try {
      process.kill(Number(pid), 'SIGKILL');
      killed++;
    } catch {
      /* already gone */
    }
  }
  return killed;
}
