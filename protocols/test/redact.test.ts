import { describe, expect, it } from 'vitest';
import { redactText, redactUrl, urlSecrets } from '../src/redact';

describe('redacting camera credentials', () => {
  it("hides a password holding '@' up to the last '@' before the host", () => {
    expect(redactUrl('rtsp://admin:p@ssw0rd@10.0.0.1/s')).toBe('rtsp://***@10.0.0.1/s');
  });

  it('hides credential-like query parameters and keeps the others', () => {
    expect(redactUrl('rtsp://10.0.0.1/s?user=admin&password=secret&channel=1')).toBe(
      'rtsp://10.0.0.1/s?user=***&password=***&channel=1',
    );
    expect(redactUrl('http://cam/snap?Token=abc;pwd=x&X-Amz-Signature=ff')).toBe(
      'http://cam/snap?Token=***;pwd=***&X-Amz-Signature=***',
    );
  });

  it('redacts URLs inside an ffmpeg error line', () => {
    const line =
      '[rtsp @ 0x55] method DESCRIBE failed: 401 Unauthorized\n' +
      'rtsp://admin:p@ssw0rd@10.0.0.1:554/s?user=admin&password=secret: Server returned 401 Unauthorized';
    const out = redactText(line);
    expect(out).not.toMatch(/ssw0rd|secret|admin/);
    expect(out).toContain('rtsp://***@10.0.0.1:554/s?user=***&password=***: Server returned 401');
    expect(redactText("Input #0, rtsp, from 'rtsp://u:pw@cam/s':")).toBe("Input #0, rtsp, from 'rtsp://***@cam/s':");
  });

  it('lists the secrets of a configured URL, raw and decoded, so quoted fragments are hidden too', () => {
    const secrets = urlSecrets('rtsp://admin:p@ss w@10.0.0.1/s?password=s%20cret');
    expect(secrets).toEqual(expect.arrayContaining(['admin', 'p@ss w', 's cret', 's%20cret']));
    expect(redactText('auth failed for p@ss w', secrets)).toBe('auth failed for ***');
  });

  it('leaves text without URLs alone', () => {
    expect(redactText('Connection refused')).toBe('Connection refused');
    expect(redactUrl('not a url')).toBe('not a url');
  });
});
