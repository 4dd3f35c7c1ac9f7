import type { CaseStatus, ReviewCase } from '@shopwatch/protocols';

export type StoredCase = Omit<ReviewCase, 'subjectAlias'>;
export type NewCase = { id: string; scheme: string; store: string | null; zone: string | null; subjectId: string };

/**
 * Review cases: one per run of sightings of a subject at a store. A case's figures (sightings,
 * best score, first and last seen, cameras) are computed from the candidates that carry its id,
 * so they cannot drift. Async so that a PostgreSQL implementation can replace the SQLite one.
 */
export interface CaseRepository {
  get(id: string): Promise<StoredCase | null>;
  /** The newest case of a subject at a store (null store: a zone-wide or store-less box). */
  latest(scheme: string, subjectId: string, store: string | null, statuses: CaseStatus[]): Promise<StoredCase | null>;
  /** Oldest first; `status` null: every status. */
  list(scheme: string, status: CaseStatus | null, limit: number): Promise<StoredCase[]>;
  /** The case's candidates, newest capture first. */
  candidateIds(caseId: string): Promise<string[]>;
  /** The case's candidates still pending, oldest capture first. */
  pendingIds(caseId: string): Promise<string[]>;
  /** Opens a case and attaches the candidate, atomically. */
  open(c: NewCase, candidateId: string, at: string): Promise<void>;
  attach(caseId: string, candidateId: string): Promise<void>;
  /** Conditional on the case's status: of two reviewers deciding at once, one wins (true). */
  decide(
    id: string,
    from: CaseStatus,
    to: CaseStatus,
    by: string | null,
    at: string,
    reason: string | null,
    alertId: string | null,
  ): Promise<boolean>;
  /** Pending candidates that belong to no case yet (received before cases existed, or a crash). */
  unassigned(): Promise<string[]>;
}
