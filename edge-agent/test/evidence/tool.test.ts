import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ClipError, probeVideo } from '../../src/evidence/clip';
import { runTool } from '../../src/evidence/tool';
import { alive, hangingTool } from '../support/hanging-tool';
import { testVideo } from '../../../scripts/demo/media';

const dir = mkdtempSync(join(tmpdir(), 'edge-tool-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('one-shot ffprobe/ffmpeg jobs have a deadline (issue 17.6)', () => {
  it('kills a hanging ffprobe and everything it started, and fails with a timeout error', async () => {
    const tool = hangingTool(dir);
    const t0 = Date.now();
    const err = await probeVideo(await testVideo(), tool.path, 1000).catch((e: unknown) => e);
    const took = Date.now() - t0;
    expect(err).toBeInstanceOf(ClipError);
    expect(err).toMatchObject({ code: 'timeout', message: 'ffprobe took longer than 1 s and was killed' });
    expect(took).toBeGreaterThanOrEqual(1000);
    expect(took).toBeLessThan(5000);
    // The script and its sleeping child are gone, not left behind holding the pipes.
    await new Promise((r) => setTimeout(r, 200));
    expect(tool.pids()).toHaveLength(2);
    expect(tool.pids().filter(alive)).toEqual([]);
  });

  it('still probes a real clip with the real ffprobe within the deadline', async () => {
    const info = await probeVideo(await testVideo());
    expect(info).toMatchObject({ codec: 'h264', width: 768, height: 576 });
    expect(info.durationSeconds).toBeGreaterThan(70);
  });

  it('reports a failing tool with its stderr, not as a timeout', async () => {
    const err = await runTool('ffprobe', ['-v', 'error', join(dir, 'missing.mp4')], { timeoutMs: 15_000 }).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'failed' });
    expect((err as Error).message).toMatch(/No such file/);
  });
});
