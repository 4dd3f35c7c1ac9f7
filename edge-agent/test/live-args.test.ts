import { describe, expect, it } from 'vitest';
import { CameraConfig } from '../src/config';
import { buildLiveArgs, buildThumbnailArgs } from '../src/live/live-args';

const camera = CameraConfig.parse({
  id: 'door',
  name: 'Door',
  url: 'rtsp://10.0.0.9/sub',
  detectSize: { width: 320, height: 240 },
});
const after = (args: string[], flag: string) => args[args.indexOf(flag) + 1];

describe('live ffmpeg argv', () => {
  it("stream-copies the camera's video to fragmented MP4 on stdout, never transcoding", () => {
    const args = buildLiveArgs(camera);
    expect(after(args, '-c:v')).toBe('copy');
    expect(args.filter((a) => a === '-c:v')).toHaveLength(1);
    expect(args).not.toContain('-vf');
    expect(args).not.toContain('-filter_complex');
    expect(args).toEqual(expect.arrayContaining(['-an', '-map', '0:v:0']));
    expect(after(args, '-f')).toBe('mp4');
    expect(after(args, '-movflags')).toBe('empty_moov+default_base_moof+frag_keyframe');
    expect(after(args, '-frag_duration')).toBe('200000');
    expect(args.at(-1)).toBe('pipe:1');
  });

  it('reads RTSP over TCP with a socket timeout, without probing unless asked to', () => {
    const fast = buildLiveArgs(camera);
    expect(after(fast, '-rtsp_transport')).toBe('tcp');
    expect(after(fast, '-timeout')).toBe('5000000');
    expect(after(fast, '-analyzeduration')).toBe('0');
    expect(fast).not.toContain('nobuffer'); // it would throw away the first GOP
    const safe = buildLiveArgs(camera, { probe: 'safe', fragmentMs: 500 });
    expect(after(safe, '-analyzeduration')).toBe('1000000');
    expect(after(safe, '-frag_duration')).toBe('500000');
    expect(after(buildLiveArgs({ ...camera, rtspTransport: 'udp' }), '-rtsp_transport')).toBe('udp');
    // the URL is one argv element: nothing in it can become an option
    expect(after(fast, '-i')).toBe('rtsp://10.0.0.9/sub');
  });

  it('grabs one scaled JPEG frame for a thumbnail', () => {
    const args = buildThumbnailArgs(camera);
    expect(after(args, '-frames:v')).toBe('1');
    expect(after(args, '-vf')).toBe('scale=320:-2');
    expect(after(args, '-c:v')).toBe('mjpeg');
    expect(args.at(-1)).toBe('pipe:1');
  });
});
