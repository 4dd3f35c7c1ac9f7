import { describe, expect, it } from 'vitest';
import { buildFfmpegArgs } from '../../src/camera/ffmpeg-args';
import { CameraConfig } from '../../src/config';

const camera = CameraConfig.parse({
  id: 'door',
  name: 'Front door',
  url: 'rtsp://user:pw@10.0.0.5:554/sub',
  detectSize: { width: 384, height: 288 },
});
const opts = { segmentDir: '/ring/door', segmentSeconds: 2, runTag: 'r1' };

/** The values following each occurrence of an option. */
function valuesOf(args: string[], option: string): string[] {
  return args.flatMap((a, i) => (a === option ? [args[i + 1]] : []));
}

describe('buildFfmpegArgs', () => {
  it('builds the exact argv of one process with a copy branch and a decode branch', () => {
    expect(buildFfmpegArgs(camera, opts)).toEqual([
      '-hide_banner',
      '-nostdin',
      '-loglevel',
      'warning',
      '-rtsp_transport',
      'tcp',
      '-timeout',
      '5000000',
      '-analyzeduration',
      '1000000',
      '-probesize',
      '2000000',
      '-i',
      'rtsp://user:pw@10.0.0.5:554/sub',
      '-map',
      '0:v:0',
      '-c:v',
      'copy',
      '-f',
      'segment',
      '-segment_time',
      '2',
      '-segment_format',
      'mpegts',
      '-segment_list',
      '/ring/door/r1.csv',
      '-segment_list_type',
      'csv',
      '-segment_list_size',
      '64',
      '-segment_format_options',
      'flush_packets=1',
      '/ring/door/r1-%06d.ts',
      '-map',
      '0:v:0',
      '-an',
      '-sn',
      '-vf',
      'fps=5,scale=384:288:flags=bilinear',
      '-pix_fmt',
      'rgb24',
      '-f',
      'rawvideo',
      'pipe:1',
    ]);
  });

  it('has exactly one input and never re-encodes the recording', () => {
    const args = buildFfmpegArgs(camera, opts);
    expect(valuesOf(args, '-i')).toHaveLength(1);
    expect(valuesOf(args, '-c:v')).toEqual(['copy']);
    expect(args).not.toContain('libx264');
  });

  it('follows detectFps, detectSize and the transport from config', () => {
    const args = buildFfmpegArgs(
      { ...camera, detectFps: 2.5, detectSize: { width: 640, height: 360 }, rtspTransport: 'udp' },
      opts,
    );
    expect(valuesOf(args, '-vf')).toEqual(['fps=2.5,scale=640:360:flags=bilinear']);
    expect(valuesOf(args, '-rtsp_transport')).toEqual(['udp']);
  });

  it('cuts segments of the configured length into the camera buffer, numbered per run', () => {
    const args = buildFfmpegArgs(camera, { ...opts, segmentSeconds: 4, runTag: 'mabc12' });
    expect(valuesOf(args, '-segment_time')).toEqual(['4']);
    expect(args).toContain('/ring/door/mabc12-%06d.ts');
    expect(valuesOf(args, '-segment_list')).toEqual(['/ring/door/mabc12.csv']);
  });

  it('records evidence from a second stream of the camera when recordUrl is set, in the same process', () => {
    const args = buildFfmpegArgs({ ...camera, recordUrl: 'rtsp://10.0.0.5:554/main' }, opts);
    expect(valuesOf(args, '-i')).toEqual(['rtsp://user:pw@10.0.0.5:554/sub', 'rtsp://10.0.0.5:554/main']);
    expect(valuesOf(args, '-rtsp_transport')).toEqual(['tcp', 'tcp']);
    expect(valuesOf(args, '-map')).toEqual(['1:v:0', '0:v:0']); // copy the main stream, decode the sub-stream
  });

  it('replays a file in real time and in a loop instead of using RTSP options', () => {
    const args = buildFfmpegArgs({ ...camera, url: '/videos/replay.mp4' }, opts);
    expect(args.slice(4, 8)).toEqual(['-re', '-stream_loop', '-1', '-analyzeduration']);
    expect(args).not.toContain('-rtsp_transport');
  });

  it('refuses a run tag that could escape the file pattern', () => {
    expect(() => buildFfmpegArgs(camera, { ...opts, runTag: '../x' })).toThrow(/runTag/);
  });
});
