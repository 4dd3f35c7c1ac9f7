import { mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SegmentRing } from '../../src/evidence/segment-ring';

const dirs: string[] = [];
afterEach(() =>
  dirs.splice(0).forEach((d) => {
    rmSync(d, { recursive: true, force: true });
  }),
);

/** A fake buffer: segment files whose mtime is their end, and a run list for some of them. */
function buffer(now: number, segs: Array<{ name: string; endAgoS: number; listedDuration?: number }>) {
  const dir = mkdtempSync(join(tmpdir(), 'edge-ring-'));
  dirs.push(dir);
  const lists = new Map<string, string>();
  for (const s of segs) {
    const file = join(dir, s.name);
    writeFileSync(file, 'ts');
    const t = (now - s.endAgoS * 1000) / 1000;
    utimesSync(file, t, t);
    if (s.listedDuration !== undefined) {
      const run = s.name.split('-')[0];
      lists.set(run, `${lists.get(run) ?? ''}${s.name},0.000000,${s.listedDuration.toFixed(6)}\n`);
    }
  }
  for (const [run, text] of lists) writeFileSync(join(dir, `${run}.csv`), text);
  return dir;
}

describe('SegmentRing', () => {
  const now = 1_800_000_000_000;

  it('dates listed segments by mtime minus listed duration and skips the one being written', () => {
    const dir = buffer(now, [
      { name: 'aa-000000.ts', endAgoS: 4, listedDuration: 2 },
      { name: 'aa-000001.ts', endAgoS: 2, listedDuration: 2.1 },
      { name: 'aa-000002.ts', endAgoS: 0.1 }, // being written
      { name: 'notes.txt', endAgoS: 1 },
    ]);
    const ring = new SegmentRing({ dir, segmentSeconds: 2, keepSeconds: 30, now: () => now });
    expect(ring.segments().map((s) => [s.file.slice(dir.length + 1), s.startMs - now, s.endMs - now])).toEqual([
      ['aa-000000.ts', -6000, -4000],
      ['aa-000001.ts', -4100, -2000],
    ]);
  });

  it("counts a dead run's unlisted last segment as finished (a killed ffmpeg never lists it)", () => {
    const dir = buffer(now, [
      { name: 'aa-000000.ts', endAgoS: 12, listedDuration: 2 },
      { name: 'aa-000001.ts', endAgoS: 9 }, // ffmpeg was killed while writing it
      { name: 'bb-000000.ts', endAgoS: 1, listedDuration: 2 },
    ]);
    const ring = new SegmentRing({ dir, segmentSeconds: 2, keepSeconds: 30, now: () => now });
    expect(ring.segments().map((s) => s.runTag)).toEqual(['aa', 'aa', 'bb']);
    expect(ring.covering(now - 10_000, now - 9_500).map((s) => s.file.slice(dir.length + 1))).toEqual(['aa-000001.ts']);
  });

  it('prunes segments that ended before the window, unless held, and lists of finished runs', () => {
    const dir = buffer(now, [
      { name: 'aa-000000.ts', endAgoS: 40, listedDuration: 2 },
      { name: 'bb-000000.ts', endAgoS: 25, listedDuration: 2 },
      { name: 'bb-000001.ts', endAgoS: 23, listedDuration: 2 },
      { name: 'bb-000002.ts', endAgoS: 5, listedDuration: 2 },
    ]);
    utimesSync(join(dir, 'aa.csv'), (now - 40_000) / 1000, (now - 40_000) / 1000);
    const ring = new SegmentRing({ dir, segmentSeconds: 2, keepSeconds: 20, now: () => now });
    const release = ring.hold(now - 26_500, now - 25_500);
    expect(ring.prune()).toBe(2); // aa-0 and bb-1; bb-0 is held
    expect(readdirSync(dir).sort()).toEqual(['bb-000000.ts', 'bb-000002.ts', 'bb.csv']);
    release();
    expect(ring.prune()).toBe(1);
    expect(readdirSync(dir).sort()).toEqual(['bb-000002.ts', 'bb.csv']);
  });
});
