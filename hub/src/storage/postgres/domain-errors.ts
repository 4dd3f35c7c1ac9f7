import { storageError } from '../storage-errors';

/**
 * Makes each listed async method of `repo` reject with domain errors (storage-errors.ts: a
 * ConstraintError for a write the schema refuses, `unavailable` for a lost server) instead of
 * pg's errors, in one place rather than a try/catch per method. `methods` names every method of
 * the repository's interface (typed `Record<keyof I, 1>`), so the compiler notices a new one.
 */
export function withPgDomainErrors<I extends object>(repo: I, methods: Record<keyof I, 1>): void {
  const target = repo as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  for (const name of Object.keys(methods)) {
    const method = target[name]!;
    target[name] = (...args) =>
      method.apply(repo, args).catch((err: unknown) => {
        throw storageError(err);
      });
  }
}
