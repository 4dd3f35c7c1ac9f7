import { existsSync, readdirSync, readFileSync, rmSync, type Stats, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { SEGMENT_NAME } from '../camera/ffmpeg-args';
import { createLogger, type Logger } from '../log';

/** A finished stream-copied segment of the rolling buffer, with its wall-clock span. */
export interface Segment {
  file: string;
  runTag: string;
  /** Wall-clock ms of its first frame (end minus its duration in the muxer's list). */
  startMs: number;
  /** Wall-clock ms when ffmpeg finished writing it (its mtime). */
  endMs: number;
  bytes: number;
}

export interface SegmentRingOptions {
  /** The camera's segment directory (ffmpeg writes `<runTag>-<index>.ts` and `<runTag>.csv`). */
  dir: string;
  segmentSeconds: number;
  /** Segments that ended longer ago than this are deleted (unless held by a pending clip). */
  keepSeconds: number;
  pruneIntervalMs?: number;
  now?: () => number;
  log?: Logger;
}

/**
 * The rolling buffer of one camera: lists finished segments with their wall-clock span, deletes
 * those older than the window, and lets a pending clip hold a time range so that its segments
 * survive until it has been cut.
 *
 * A segment counts as finished when the muxer listed it in the run's CSV, or when its run is
 * dead (not written for two segment lengths): a killed ffmpeg never lists its last segment, yet
 * MPEG-TS stays readable up to the last whole packet.
 *
 * @example
 * const ring = new SegmentRing({ dir, segmentSeconds: 2, keepSeconds: 30 }); ring.start();
 * const release = ring.hold(t - 12_000, t + 12_000);
 * ring.covering(t - 10_000, t + 10_000); // segments to concatenate
 */
export class SegmentRing {
  private readonly holds = new Set<{ from: number; to: number }>();
  private readonly durations = new Map<string, number>();
  private readonly listStamps = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;
  private readonly now: () => number;
  private readonly log: Logger;

  constructor(private readonly opts: SegmentRingOptions) {
    this.now = opts.now ?? Date.now;
    this.log = opts.log ?? createLogger('agent:ring', { dir: opts.dir });
  }

  /** The directory ffmpeg writes this camera's segments to (finished and growing). */
  get dir(): string {
    return this.opts.dir;
  }

  start(): void {
    this.stop();
    this.timer = setInterval(() => this.prune(), this.opts.pruneIntervalMs ?? 1000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Keeps the segments overlapping [fromMs, toMs] until the returned function is called. */
  hold(fromMs: number, toMs: number): () => void {
    const h = { from: fromMs, to: toMs };
    this.holds.add(h);
    return () => this.holds.delete(h);
  }

  /** Finished segments, oldest first. */
  segments(): Segment[] {
    if (!existsSync(this.opts.dir)) return [];
    const listed = this.listedDurations();
    const staleMs = this.now() - 2 * this.opts.segmentSeconds * 1000 - 2000;
    const out: Segment[] = [];
    const names = readdirSync(this.opts.dir);
    for (const name of listed.keys()) if (!names.includes(name)) listed.delete(name);
    for (const name of names) {
      const m = SEGMENT_NAME.exec(name);
      if (!m) continue;
      const file = join(this.opts.dir, name);
      let st: Stats;
      try {
        st = statSync(file);
      } catch {
        continue; // pruned meanwhile
      }
      const duration = listed.get(name);
      if (duration === undefined && st.mtimeMs > staleMs) continue; // still being written
      const startMs = st.mtimeMs - (duration ?? this.opts.segmentSeconds) * 1000;
      out.push({ file, runTag: m[1], startMs, endMs: st.mtimeMs, bytes: st.size });
    }
    return out.sort((a, b) => a.startMs - b.startMs);
  }

  /** Finished segments that overlap [fromMs, toMs], oldest first. */
  covering(fromMs: number, toMs: number): Segment[] {
    return this.segments().filter((s) => s.endMs > fromMs && s.startMs < toMs);
  }

  /** Deletes segments (and finished runs' lists) that ended before the window and are not held. */
  prune(): number {
    const cutoff = this.now() - this.opts.keepSeconds * 1000;
    let removed = 0;
    for (const s of this.segments()) {
      if (s.endMs >= cutoff) continue;
      if ([...this.holds].some((h) => s.endMs > h.from && s.startMs < h.to)) continue;
      rmSync(s.file, { force: true });
      this.durations.delete(basename(s.file));
      removed++;
    }
    this.pruneLists(cutoff);
    if (removed) this.log.debug({ removed }, 'pruned segments');
    return removed;
  }

  /**
   * segment file name → duration in seconds, from every run's CSV list. Remembered once seen:
   * ffmpeg keeps only the latest entries (`-segment_list_size`) and rewrites the list in place,
   * so a read may catch it short.
   */
  private listedDurations(): Map<string, number> {
    for (const name of readdirSync(this.opts.dir)) {
      if (!name.endsWith('.csv')) continue;
      const file = join(this.opts.dir, name);
      let text = '';
      try {
        const { mtimeMs, size } = statSync(file);
        const stamp = `${mtimeMs}:${size}`;
        if (this.listStamps.get(name) === stamp) continue;
        text = readFileSync(file, 'utf8');
        this.listStamps.set(name, stamp);
      } catch {
        continue;
      }
      for (const line of text.split('\n')) {
        const [seg, start, end] = line.split(',');
        if (seg && end !== undefined && Number.isFinite(Number(end)))
          this.durations.set(seg, Number(end) - Number(start));
      }
    }
    return this.durations;
  }

  private pruneLists(cutoff: number): void {
    const names = readdirSync(this.opts.dir);
    for (const name of names) {
      if (!name.endsWith('.csv')) continue;
      const tag = name.slice(0, -4);
      const file = join(this.opts.dir, name);
      const hasSegments = names.some((n) => n.startsWith(`${tag}-`) && n.endsWith('.ts'));
      try {
        if (!hasSegments && statSync(file).mtimeMs < cutoff) {
          rmSync(file, { force: true });
          this.listStamps.delete(name);
        }
      } catch {
        /* already gone */
      }
    }
  }
}
