import type {
  Exclusion,
  ExclusionInput,
  Incident,
  IncidentInput,
  PhotoInfo,
  Subject,
  SubjectInput,
} from '@shopwatch/protocols';

export interface NewPhoto extends Omit<PhotoInfo, 'deleted'> {
  subjectId: string;
}

/** A subject as stored; how many matching templates it has is the gallery repository's to say. */
export type StoredSubject = Omit<Subject, 'templates'>;

export interface PurgeRecord {
  subjectId: string;
  version: number;
  reason: string;
  at: string;
}

/** One step in a notice's history: an appeal, a review, or the decision on one. */
export interface ExclusionEventInput {
  at: string;
  by: string;
  kind: 'appeal' | 'review' | 'decision';
  text: string;
  outcome: string | null;
}

export interface ExclusionPatch {
  status?: string;
  endsAt?: string;
  stores?: string[];
  zones?: string[];
}

/** What the review statistics read of each candidate. */
export interface VerdictRow {
  device_id: string;
  camera_id: string;
  store: string | null;
  subject_id: string;
  status: string;
  score: number;
  received_at: string;
}

/**
 * Incidents, gallery subjects and their photos, purges and exclusion notices. Async so that a
 * PostgreSQL implementation can replace the SQLite one. Where several rows must change together
 * (a subject and its incident links; ending a subject and marking its photos deleted; a decision
 * and the notice it changes) that is ONE method here, atomic inside the implementation: callers
 * never hold a transaction open across awaits.
 */
export interface GovernanceRepository {
  addIncident(
    id: string,
    scheme: string,
    store: string | null,
    i: IncidentInput,
    reporter: string,
    at: string,
  ): Promise<Incident>;
  incident(id: string): Promise<Incident | null>;
  /** Newest first; `store` null: every store of the scheme. */
  incidents(scheme: string, store: string | null, limit: number): Promise<Incident[]>;
  /** The incidents linked to a subject, oldest first. */
  incidentsOf(subjectId: string): Promise<Incident[]>;

  /** Enrols a subject and links its incidents, atomically. */
  addSubject(id: string, scheme: string, s: SubjectInput, by: string, at: string, expiresAt: string): Promise<void>;
  /** Links one more incident (idempotent) and renews the entry to `expiresAt`, atomically. */
  linkIncident(subjectId: string, incidentId: string, at: string, expiresAt: string): Promise<void>;
  subject(id: string): Promise<StoredSubject | null>;
  /** By alias; `state` null: every state. */
  subjects(scheme: string, state: Subject['state'] | null): Promise<StoredSubject[]>;
  alias(scheme: string, id: string): Promise<string | null>;
  /** Active and not yet expired, in that scheme. */
  isActive(scheme: string, id: string): Promise<boolean>;
  /**
   * Ends an active subject and marks its photos deleted, atomically; no-op if it had ended.
   * True only for the caller that ended it: the claim that makes a purge happen once when two
   * hub nodes (or an expiry and a removal) race.
   */
  endSubject(id: string, state: 'expired' | 'removed', at: string, reason: string): Promise<boolean>;
  dueForExpiry(now: string): Promise<{ id: string; scheme: string }[]>;

  addPhoto(p: NewPhoto): Promise<void>;
  photos(subjectId: string): Promise<PhotoInfo[]>;

  addPurge(scheme: string, subjectId: string, version: number, reason: string, at: string): Promise<void>;
  /** The newest 500, newest first. */
  purges(scheme: string): Promise<PurgeRecord[]>;

  addExclusion(id: string, scheme: string, e: ExclusionInput, by: string, at: string): Promise<Exclusion>;
  exclusion(id: string): Promise<Exclusion | null>;
  exclusions(scheme: string, subjectId?: string): Promise<Exclusion[]>;
  addExclusionEvent(id: string, e: ExclusionEventInput): Promise<void>;
  /** Records a decision and applies its change to the notice (if any), atomically. */
  decideExclusion(id: string, e: ExclusionEventInput, patch: ExclusionPatch | null): Promise<void>;

  /** Every candidate received since `since`, for the review statistics. */
  verdictRows(scheme: string, since: string): Promise<VerdictRow[]>;
}
