import { describe, expect, it } from 'vitest';
import { classifyExit, redactCredentials } from '../../src/camera/watchdog';
import { Backoff } from '../../src/util/backoff';

describe('Backoff', () => {
  it('doubles from the initial delay up to the cap and starts over after reset', () => {
    const b = new Backoff(500, 10_000);
    expect(Array.from({ length: 7 }, () => b.next())).toEqual([500, 1000, 2000, 4000, 8000, 10_000, 10_000]);
    b.reset();
    expect(b.next()).toBe(500);
  });
});

describe('classifyExit', () => {
  it('calls a refused connection offline', () => {
    expect(classifyExit(1, null, ['rtsp://127.0.0.1:1/x: Connection refused'])).toEqual({
      status: 'offline',
      reason: 'ffmpeg exited with code 1: rtsp://127.0.0.1:1/x: Connection refused',
    });
  });
  it('calls bad credentials or a missing stream an error', () => {
    expect(classifyExit(1, null, ['[rtsp @ 0x1] method DESCRIBE failed: 401 Unauthorized']).status).toBe('error');
    expect(classifyExit(1, null, ['[rtsp @ 0x1] method DESCRIBE failed: 404 Not Found']).status).toBe('error');
  });
  it('keeps reasons within 300 characters', () => {
    expect(classifyExit(1, null, ['x'.repeat(1000)]).reason.length).toBe(300);
  });
});

describe('redactCredentials', () => {
  it('hides user and password of URLs that ffmpeg repeats in its errors', () => {
    expect(redactCredentials('rtsp://admin:s3cret@10.0.0.5:554/sub: Connection refused')).toBe(
      'rtsp://***@10.0.0.5:554/sub: Connection refused',
    );
    expect(redactCredentials('[rtsp @ 0x1] method DESCRIBE failed: 401 Unauthorized')).toBe(
      '[rtsp @ 0x1] method DESCRIBE failed: 401 Unauthorized',
    );
    expect(redactCredentials('rtsp://10.0.0.5/sub and rtsps://u@cam/x')).toBe(
      'rtsp://10.0.0.5/sub and rtsps://***@cam/x',
    );
  });
});
