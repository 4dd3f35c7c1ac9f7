import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { readMp4Info } from '../../src/evidence/mp4-info';
import { faceVideo, probe } from '../../../scripts/demo/media';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'edge-mp4-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `seconds` of the face video stream-copied by the real ffmpeg, as the clip joiner writes it. */
async function copyOf(seconds: number, movflags: string[], format = 'mp4'): Promise<string> {
  const out = join(dir, `c-${seconds}-${movflags.length}.${format === 'mp4' ? 'mp4' : 'ts'}`);
  await run(
    'ffmpeg',
    ['-v', 'error', '-y', '-i', await faceVideo(), '-t', String(seconds), '-map', '0:v:0'].concat([
      '-c',
      'copy',
      ...movflags,
      '-f',
      format,
      out,
    ]),
  );
  return out;
}

describe('clip measurements from the MP4 header (no ffprobe run)', () => {
  it('reads codec, size and duration as ffprobe does, moov first or last', async () => {
    for (const file of [await copyOf(6, ['-movflags', '+faststart']), await copyOf(3, [])]) {
      const probed = await probe(file);
      const info = readMp4Info(file);
      expect(info).toMatchObject({ codec: probed.codec, width: probed.width, height: probed.height });
      expect(Math.abs(info.durationSeconds - probed.duration)).toBeLessThan(0.01);
    }
  });

  it('refuses what is not a finished MP4: a TS segment, a clip cut short, an empty file', async () => {
    const ts = await copyOf(2, [], 'mpegts');
    expect(() => readMp4Info(ts)).toThrow();
    const whole = readFileSync(await copyOf(6, ['-movflags', '+faststart']));
    const cut = join(dir, 'cut.mp4');
    writeFileSync(cut, whole.subarray(0, 600)); // inside moov
    expect(() => readMp4Info(cut)).toThrow(/past the end|past its parent/);
    writeFileSync(cut, Buffer.alloc(0));
    expect(() => readMp4Info(cut)).toThrow(/no moov/);
  });
});
