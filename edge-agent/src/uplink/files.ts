import fs from 'node:fs';

export interface HubHttp {
  /** e.g. http://hub:8080 */
  baseUrl: string;
  deviceId: string;
  secret: string;
}

export type UploadOutcome =
  | { status: 'verified'; bytes: number }
  /** Refused for good: never sent again; `purge` when the hub says the media must be deleted. */
  | { status: 'refused'; httpStatus: number; reason: string; purge: boolean };

const auth = (h: HubHttp) => `Basic ${Buffer.from(`${h.deviceId}:${h.secret}`).toString('base64')}`;

/**
 * What an HTTP answer to an evidence upload means for the file (the hub's contract, see
 * protocols/README.md): `null` = try again later (the hub is down, busy, or the device's
 * credentials are being fixed — evidence is never dropped for that), else a refusal for good.
 *
 * - 410 Gone: the candidate was rejected or expired and the hub deleted its media; privacy
 *   requires the edge to delete its copy too (`purge`).
 * - any other 4xx but 400/401/403/408/429: the hub will never take this file (unknown candidate,
 *   undeclared or conflicting file, too large): kept here with the reason, not sent again.
 * - 400 is a refusal unless the hub asks to resume or upload again (interrupted, hash mismatch).
 *
 * @example classifyAnswer(410, 'candidate is rejected') // { purge: true, reason: '410: candidate is rejected' }
 */
export function classifyAnswer(status: number, message: string): { purge: boolean; reason: string } | null {
  if (status >= 500 || status < 400 || [401, 403, 408, 429].includes(status)) return null;
  if (status === 400 && /resume|upload again/i.test(message)) return null;
  return { purge: status === 410, reason: `${status}: ${message || 'refused'}`.slice(0, 300) };
}

/**
 * Uploads one evidence file, resuming where the hub's copy ends (HEAD → Upload-Offset), in
 * chunks, with the SHA-256 computed at capture. Resolves when the hub has verified the whole
 * file, or `refused` when the hub will never take it (see {@link classifyAnswer}; a hash the hub
 * refuses twice in one call counts as refused); throws on anything worth retrying later.
 */
export async function uploadFile(
  hub: HubHttp,
  candidateId: string,
  name: string,
  file: string,
  sha256: string,
  opts: { chunkBytes?: number; signal?: AbortSignal } = {},
): Promise<UploadOutcome> {
  const url = `${hub.baseUrl}/api/edge/files/${encodeURIComponent(candidateId)}/${encodeURIComponent(name)}`;
  const total = fs.statSync(file).size;
  const chunk = opts.chunkBytes ?? 1024 * 1024;
  const refusedOrThrow = (status: number, message: string, what: string): UploadOutcome => {
    const verdict = classifyAnswer(status, message);
    if (!verdict) throw new Error(`${what} of ${name}: HTTP ${status} ${message}`.trim());
    return { status: 'refused', httpStatus: status, ...verdict };
  };
  const head = await fetch(url, { method: 'HEAD', headers: { authorization: auth(hub) }, signal: opts.signal });
  // HEAD has no body: the status alone says it.
  if (!head.ok) return refusedOrThrow(head.status, `hub answered ${head.status} to HEAD`, 'upload state');
  if (head.headers.get('upload-complete') === 'true') return { status: 'verified', bytes: total };
  let offset = Number(head.headers.get('upload-offset') ?? 0);
  let mismatches = 0;
  for (;;) {
    const end = Math.min(total, offset + chunk);
    const body = readRange(file, offset, end);
    const res = await fetch(url, {
      method: 'PATCH',
      headers: {
        authorization: auth(hub),
        'upload-offset': String(offset),
        'upload-length': String(total),
        'x-content-sha256': sha256,
        'content-type': 'application/offset+octet-stream',
      },
      body: body as unknown as BodyInit,
      signal: opts.signal,
    });
    if (res.status === 201) return { status: 'verified', bytes: total };
    if (res.status === 204) {
      offset = Number(res.headers.get('upload-offset'));
      continue;
    }
    const err = (await res.json().catch(() => ({}))) as { code?: string; message?: string };
    const message = [err.code, err.message].filter(Boolean).join(' ');
    if (res.status === 409 && /Upload-Offset/.test(err.message ?? '')) {
      offset = Number(
        (await fetch(url, { method: 'HEAD', headers: { authorization: auth(hub) } })).headers.get('upload-offset') ?? 0,
      );
      continue;
    }
    // The hub threw the bytes away and asks for them again: once, from the start.
    if (res.status === 400 && /SHA-256 mismatch/i.test(err.message ?? '') && ++mismatches < 2) {
      offset = 0;
      continue;
    }
    if (mismatches >= 2) {
      return { status: 'refused', httpStatus: 400, purge: false, reason: `400: ${message}`.slice(0, 300) };
    }
    return refusedOrThrow(res.status, message, 'upload');
  }
}

/** The hub's clock minus ours, in ms (positive: the hub is ahead), from one round trip. */
export async function measureClockOffset(hub: HubHttp): Promise<number> {
  const t0 = Date.now();
  const res = await fetch(`${hub.baseUrl}/api/edge/time`, { headers: { authorization: auth(hub) } });
  const t1 = Date.now();
  const { now } = (await res.json()) as { now: string };
  return Date.parse(now) - (t0 + t1) / 2;
}

function readRange(file: string, from: number, to: number): Buffer {
  const buf = Buffer.alloc(to - from);
  const fd = fs.openSync(file, 'r');
  try {
    fs.readSync(fd, buf, 0, buf.length, from);
  } finally {
    fs.closeSync(fd);
  }
  return buf;
}
