import { SpoolError } from './types';

/** Promises parked until something is enqueued (or the spool closes). */
export class Waiters {
  private pending = new Set<() => void>();

  wait(signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(new SpoolError('aborted', 'aborted'));
      const done = () => {
        this.pending.delete(done);
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = () => {
        this.pending.delete(done);
        reject(new SpoolError('aborted', 'aborted'));
      };
      this.pending.add(done);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  wake(): void {
    for (const w of [...this.pending]) w();
  }
}
