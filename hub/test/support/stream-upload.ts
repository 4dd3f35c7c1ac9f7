import http from 'node:http';

export interface StreamedAnswer {
  status: number;
  body: any;
  /** Bytes the client had written when the answer arrived. */
  sentBeforeAnswer: number;
  ms: number;
}

/**
 * Sends a large body in chunks the way a hostile client would — without ever holding it in
 * memory — and stops as soon as the server answers. Tells how much had been sent by then, so
 * a test can show that the server refused before reading the body.
 */
export interface StreamOptions {
  method?: string;
  headers?: Record<string, string>;
  totalBytes: number;
  chunkBytes?: number;
  /** Transfer-Encoding: chunked (no Content-Length for the server to check first). */
  chunked?: boolean;
}

export function streamUpload(url: string, opts: StreamOptions): Promise<StreamedAnswer> {
  const chunk = Buffer.alloc(opts.chunkBytes ?? 256 * 1024, 0x41);
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answered = false;
    const headers: Record<string, string> = { ...opts.headers };
    if (!opts.chunked) headers['content-length'] = String(opts.totalBytes);
    const req = http.request(url, { method: opts.method ?? 'PATCH', headers });
    req.on('response', (res) => {
      answered = true;
      const sentBeforeAnswer = sent;
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () => {
        const text = Buffer.concat(parts).toString();
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {}
        resolve({ status: res.statusCode ?? 0, body, sentBeforeAnswer, ms: performance.now() - t0 });
        req.destroy();
      });
    });
    // The server may close the connection while we still write: that is the point.
    req.on('error', (err) => (answered ? undefined : reject(err)));
    const pump = () => {
      while (!answered && sent < opts.totalBytes) {
        const n = Math.min(chunk.length, opts.totalBytes - sent);
        sent += n;
        if (!req.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return void req.once('drain', pump);
      }
      if (!answered) req.end();
    };
    pump();
  });
}
