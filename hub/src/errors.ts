import { type ErrorBody, type ErrorCode, HTTP_STATUS, describeIssues } from '@shopwatch/protocols';
import type { z } from 'zod';

/** The one error type of the hub: a code from the protocol's enum and a message for people. */
export class HubError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly issues?: ErrorBody['issues'],
  ) {
    super(message);
  }
  get status(): number {
    return HTTP_STATUS[this.code];
  }
  toBody(): ErrorBody {
    return this.issues
      ? { code: this.code, message: this.message, issues: this.issues }
      : { code: this.code, message: this.message };
  }
  static invalid(what: string, error: z.ZodError): HubError {
    const issues = describeIssues(error.issues);
    return new HubError('bad_request', `${what}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, issues);
  }
}

export const notFound = (what: string) => new HubError('not_found', `${what} not found`);
export const forbidden = (why: string) => new HubError('forbidden', why);

/**
 * A write clashed with something already stored (a unique key: the same client reference, the
 * same id). Storage engines raise it in place of their own error codes, so domain code can
 * tell "already there" from a fault without knowing which engine it runs on.
 */
export class ConflictError extends HubError {
  constructor(
    message: string,
    /** What clashed, as the engine named it (e.g. "alerts.raised_by_kind, ..."), for logs. */
    readonly constraint: string | null = null,
  ) {
    super('conflict', message);
  }
}
