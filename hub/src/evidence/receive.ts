import { HubError } from '../errors';

/**
 * The chunks of a request body, for the blob store to write. A read that fails (the client went
 * away mid-body) becomes `Interrupted`, so the caller tells it from a refusal or a disk error.
 * Stopping early (a chunk refused) releases the reader without cancelling the request: cancelling
 * would reset the connection and could lose the refusal itself, so an edge box would retry a
 * file the hub will never take. The caller answers and then cuts the rest of the body off (see
 * `discardRestOfBody`).
 */
export async function* bodyChunks(body: ReadableStream<Uint8Array>): AsyncGenerator<Buffer> {
  const reader = body.getReader();
  try {
    for (;;) {
      let next: ReadableStreamReadResult<Uint8Array>;
      try {
        next = await reader.read();
      } catch {
        throw new Interrupted();
      }
      if (next.done) return;
      yield Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength);
    }
  } finally {
    reader.releaseLock();
  }
}

/** The client went away before the whole body arrived; what arrived is kept for a resume. */
export class Interrupted extends HubError {
  constructor() {
    super('bad_request', 'upload interrupted; resume from Upload-Offset');
  }
}
