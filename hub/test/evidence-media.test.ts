import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { checkClip, judge } from '../src/evidence/probe';
import { sniff } from '../src/evidence/sniff';
import { tempDir } from './support/hub';
import { mp4 } from './support/media';

describe('what evidence and photos are, read from their bytes', () => {
  it('tells JPEG, PNG and MP4 from the types the hub refuses', async () => {
    const img = sharp({ create: { width: 8, height: 8, channels: 3, background: '#123' } });
    const cases: [string, Buffer][] = [
      ['image/jpeg', await img.clone().jpeg().toBuffer()],
      ['image/png', await img.clone().png().toBuffer()],
      ['image/gif', await img.clone().gif().toBuffer()],
      ['image/webp', await img.clone().webp().toBuffer()],
      ['image/tiff', await img.clone().tiff().toBuffer()],
      ['video/mp4', mp4(tempDir())],
      ['image/svg+xml', Buffer.from('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>')],
      ['image/svg+xml', Buffer.from('  <svg width="16000" height="16000"></svg>')],
      ['image/heif', Buffer.from('\0\0\0\x18ftypheic\0\0\0\0', 'latin1')],
      ['unknown', Buffer.from('MZ\x90\0 an executable', 'latin1')],
      ['unknown', Buffer.alloc(0)],
    ];
    for (const [type, bytes] of cases) expect(sniff(bytes.subarray(0, 16)), type).toBe(type);
  });

  it('accepts only an MP4 with an H.264 video stream', () => {
    const format = { format_name: 'mov,mp4,m4a,3gp,3g2,mj2', duration: '20.1' };
    const ok = { format, streams: [{ codec_type: 'video', codec_name: 'h264', width: 768, height: 576 }] };
    expect(judge(ok)).toEqual({ ok: true, codec: 'h264', width: 768, height: 576, durationSeconds: 20.1 });
    expect(judge({ ...ok, format: { format_name: 'matroska,webm' } })).toMatchObject({ ok: false, reason: /not MP4/ });
    const hevc = { ...ok, streams: [{ codec_type: 'video', codec_name: 'hevc' }] };
    expect(judge(hevc)).toMatchObject({ ok: false, reason: /hevc, not H\.264/ });
    const audio = { ...ok, streams: [{ codec_type: 'audio', codec_name: 'aac' }] };
    expect(judge(audio)).toMatchObject({ ok: false, reason: /no video/ });
  });

  it('kills an ffprobe that hangs and refuses the clip after the timeout', async () => {
    const dir = tempDir();
    const fake = path.join(dir, 'ffprobe');
    const pidFile = path.join(dir, 'pid');
    fs.writeFileSync(fake, `#!/bin/sh\necho $$ > ${pidFile}\nexec sleep 60\n`, { mode: 0o755 });
    const clip = path.join(dir, 'clip.mp4');
    fs.writeFileSync(clip, mp4(dir));
    const t0 = performance.now();
    const r = await checkClip(clip, { ffprobePath: fake, timeoutMs: 1000 });
    expect(r).toMatchObject({ ok: false, reason: /within 1000 ms/ });
    expect(performance.now() - t0).toBeLessThan(5000);
    // The hung process is gone (on a loaded machine it may have been killed before it wrote its pid).
    const pid = Number(fs.existsSync(pidFile) ? fs.readFileSync(pidFile, 'utf8') : 0);
    await new Promise((res) => setTimeout(res, 200));
    if (pid > 0) expect(() => process.kill(pid, 0)).toThrow();
  });

  it('reads a real H.264 clip and refuses a truncated one', async () => {
    const dir = tempDir();
    const good = path.join(dir, 'good.mp4');
    fs.writeFileSync(good, mp4(dir));
    expect(await checkClip(good)).toMatchObject({ ok: true, codec: 'h264', width: 320, height: 240 });
    const cut = path.join(dir, 'cut.mp4');
    fs.writeFileSync(cut, mp4(dir).subarray(0, 200));
    expect((await checkClip(cut)).ok).toBe(false);
  });
});
