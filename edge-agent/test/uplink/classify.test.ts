import { describe, expect, it } from 'vitest';
import { classifyAnswer } from '../../src/uplink/files';

describe('what a hub answer to an evidence upload means', () => {
  it('retries what may pass later: server errors, auth being fixed, rate limits, resumable breaks', () => {
    for (const status of [500, 502, 503, 507, 401, 403, 408, 429]) {
      expect(classifyAnswer(status, 'x'), String(status)).toBeNull();
    }
    expect(classifyAnswer(400, 'bad_request upload interrupted; resume from Upload-Offset')).toBeNull();
    expect(classifyAnswer(400, 'bad_request SHA-256 mismatch: declared a, received b; upload again')).toBeNull();
  });

  it('takes any other 4xx as a refusal for good, kept with the reason', () => {
    expect(classifyAnswer(404, 'not_found candidate "c" not found for this device')).toEqual({
      purge: false,
      reason: '404: not_found candidate "c" not found for this device',
    });
    expect(classifyAnswer(409, 'conflict clip.mp4 was not declared')).toMatchObject({ purge: false });
    expect(classifyAnswer(413, 'payload_too_large')).toMatchObject({ purge: false });
    expect(classifyAnswer(400, 'bad_request Upload-Length must be 1..268435456')).toMatchObject({ purge: false });
  });

  it('purges on 410 Gone: the candidate was rejected or expired and the hub deleted its media', () => {
    expect(classifyAnswer(410, 'gone candidate is rejected')).toEqual({
      purge: true,
      reason: '410: gone candidate is rejected',
    });
  });
});
