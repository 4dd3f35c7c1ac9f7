import fs from 'node:fs';
import { HubError } from '../errors';

/**
 * Appends a request body to a file, passing each chunk to `check` first (which throws to refuse).
 * Unlike `stream.pipeline`, a refusal does not destroy the request: destroying it would reset
 * the connection and could lose the refusal itself, so an edge box would retry a file the hub
 * will never take. The caller answers and then cuts the rest of the body off (see
 * `discardRestOfBody`). Throws `Interrupted` when the client went away mid-body.
 */
export async function appendBody(body: ReadableStream<Uint8Array>, file: string, check: (chunk: Buffer) => void) {
  const out = fs.createWriteStream(file, { flags: 'a', mode: 0o600 });
  let failed: Error | null = null;
  out.on('error', (e) => (failed = e));
  const reader = body.getReader();
  try {
    for (;;) {
      let next: ReadableStreamReadResult<Uint8Array>;
      try {
        next = await reader.read();
      } catch {
        throw new Interrupted();
      }
      if (next.done) break;
      const chunk = Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength);
      check(chunk);
      if (failed) throw failed;
      if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()).once('error', () => r()));
    }
  } finally {
    reader.releaseLock();
    await new Promise<void>((r) => out.end(() => r()));
  }
  if (failed) throw failed;
}

/** The client went away before the whole body arrived; what arrived is kept for a resume. */
export class Interrupted extends HubError {
  constructor() {
    super('bad_request', 'upload interrupted; resume from Upload-Offset');
  }
}
