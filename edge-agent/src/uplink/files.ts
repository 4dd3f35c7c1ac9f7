import fs from 'node:fs';

export interface HubHttp {
  /** e.g. http://hub:8080 */
  baseUrl: string;
  deviceId: string;
  secret: string;
}

export type UploadOutcome = { status: 'verified'; bytes: number } | { status: 'refused'; reason: string };

const auth = (h: HubHttp) => `Basic ${Buffer.from(`${h.deviceId}:${h.secret}`).toString('base64')}`;

/**
 * Uploads one evidence file, resuming where the hub's copy ends (HEAD → Upload-Offset), in
 * chunks, with the SHA-256 computed at capture. Resolves when the hub has verified the whole
 * file; `refused` when the hub will never take it (candidate decided, hash refused twice);
 * throws on anything worth retrying later (hub down, connection broken).
 */
export async function uploadFile(hub: HubHttp, candidateId: string, name: string, file: string, sha256: string, opts: { chunkBytes?: number; signal?: AbortSignal } = {}): Promise<UploadOutcome> {
  const url = `${hub.baseUrl}/api/edge/files/${encodeURIComponent(candidateId)}/${encodeURIComponent(name)}`;
  const total = fs.statSync(file).size;
  const chunk = opts.chunkBytes ?? 1024 * 1024;
  const head = await fetch(url, { method: 'HEAD', headers: { authorization: auth(hub) }, signal: opts.signal });
  if (head.status === 404 || head.status === 409) return { status: 'refused', reason: `hub answered ${head.status} to HEAD` };
  if (!head.ok) throw new Error(`upload state of ${name}: HTTP ${head.status}`);
  if (head.headers.get('upload-complete') === 'true') return { status: 'verified', bytes: total };
  let offset = Number(head.headers.get('upload-offset') ?? 0);
  for (;;) {
    const end = Math.min(total, offset + chunk);
    const body = readRange(file, offset, end);
    const res = await fetch(url, {
      method: 'PATCH',
      headers: { authorization: auth(hub), 'upload-offset': String(offset), 'upload-length': String(total), 'x-content-sha256': sha256, 'content-type': 'application/offset+octet-stream' },
      body: body as unknown as BodyInit, signal: opts.signal,
    });
    if (res.status === 201) return { status: 'verified', bytes: total };
    if (res.status === 204) {
      offset = Number(res.headers.get('upload-offset'));
      continue;
    }
    const err = (await res.json().catch(() => ({}))) as { code?: string; message?: string };
    if (res.status === 409 && /Upload-Offset/.test(err.message ?? '')) {
      offset = Number((await fetch(url, { method: 'HEAD', headers: { authorization: auth(hub) } })).headers.get('upload-offset') ?? 0);
      continue;
    }
    if (res.status === 409 || res.status === 404) return { status: 'refused', reason: err.message ?? `HTTP ${res.status}` };
    throw new Error(`upload of ${name} failed: HTTP ${res.status} ${err.code ?? ''} ${err.message ?? ''}`);
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
