import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { scaleBox, segmentsAround, startOf } from '../../src/evidence/still';

const dir = mkdtempSync(join(tmpdir(), 'edge-still-segments-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A segment file that ffmpeg last wrote `endMs` (its mtime). */
function segment(name: string, endMs: number, bytes = 188) {
  writeFileSync(join(dir, name), Buffer.alloc(bytes));
  utimesSync(join(dir, name), endMs / 1000, endMs / 1000);
}

describe('which recorded segments may hold a captured frame', () => {
  it('takes the segment written at the capture and those just before it, never older or unrelated files', () => {
    const t = 1_800_000_000_000;
    // 1 s segments: the capture lies in the one that ends 800 ms after it.
    segment('r1-000001.ts', t - 3200); // ended long before the capture
    segment('r1-000002.ts', t - 1200); // ended before the capture, and longer ago than any decode lag
    segment('r1-000003.ts', t - 200); // may hold the packet of a frame decoded a moment later
    segment('r1-000004.ts', t + 800); // being written at the capture
    segment('r1-000005.ts', t + 1800);
    segment('r1-000006.ts', t + 2800); // a later one: decoding it would only cost
    segment('r1-000007.ts', t + 2900, 0); // created, nothing in it yet
    writeFileSync(join(dir, 'r1.csv'), 'r1-000001.ts,0,1\n');
    const names = segmentsAround(dir, t).map((f) => basename(f));
    expect(names).toEqual(['r1-000003.ts', 'r1-000004.ts', 'r1-000005.ts']);
  });

  it("places a segment's start at the moment its run's previous segment was closed", () => {
    const t = 1_900_000_000_000;
    segment('r2-000000.ts', t - 2000);
    segment('r2-000001.ts', t - 1000);
    segment('r2-000002.ts', t);
    expect(startOf(join(dir, 'r2-000002.ts'))).toBe(t - 1000);
    expect(startOf(join(dir, 'r2-000001.ts'))).toBe(t - 2000);
    // The first of a run, or one whose predecessor is gone: unknown (the still decodes all, twice).
    expect(startOf(join(dir, 'r2-000000.ts'))).toBeUndefined();
    segment('r3-000005.ts', t);
    expect(startOf(join(dir, 'r3-000005.ts'))).toBeUndefined();
  });

  it('scales a detect-frame box to the recorded picture and keeps it inside', () => {
    const detect = { width: 384, height: 288 };
    const full = { width: 1920, height: 1080 };
    expect(scaleBox({ x: 100, y: 50, w: 40, h: 40 }, detect, full)).toEqual({
      x: 500,
      y: 188,
      w: 200,
      h: 150,
    });
    expect(scaleBox({ x: 370, y: 280, w: 40, h: 40 }, detect, full)).toEqual({
      x: 1850,
      y: 1050,
      w: 70,
      h: 30,
    });
  });
});
