import type {
  CandidateReport,
  CandidateStatus,
  ClipReport,
  EvidenceFile,
  ReviewCandidate,
  ReviewOrder,
} from '@shopwatch/protocols';

export interface FileRecord {
  candidateId: string;
  name: string;
  kind: EvidenceFile['kind'];
  sha256: string;
  bytes: number | null;
  received: number;
  verifiedAt: string | null;
  deletedAt: string | null;
}

export interface UploadReservation {
  id: string;
  deviceId: string;
  bytes: number;
  quota: number | null;
  /** Now, and when the lease lapses unless renewed (ISO): lapsed rows count for nothing. */
  now: string;
  until: string;
}

export interface NewCandidate {
  report: CandidateReport;
  scheme: string;
  deviceId: string;
  store: string | null;
  zone: string | null;
  receivedAt: string;
}

/** Candidates, their evidence files and the custody log. Async for the same reason as Repository. */
export interface EvidenceRepository {
  /** Stores a candidate once (idempotent on its id); false when it was already there. */
  addCandidate(c: NewCandidate): Promise<boolean>;
  getCandidate(id: string): Promise<Omit<ReviewCandidate, 'subjectAlias'> | null>;
  listCandidates(
    scheme: string,
    status: CandidateStatus | null,
    limit: number,
    order?: ReviewOrder,
  ): Promise<Omit<ReviewCandidate, 'subjectAlias'>[]>;
  /** Stores the clip report and, when it names a file, declares that file (kept if already declared). */
  setClip(candidateId: string, clip: ClipReport): Promise<void>;
  /** Bytes received for the device's candidates still pending review (its upload quota). */
  bytesHeldPending(deviceId: string): Promise<number>;
  /**
   * Reserves `bytes` of the device's quota for a PATCH in progress, in one transaction with the
   * check (serialised per device), so PATCHes on different replicas share one quota. Held bytes
   * are those of `bytesHeldPending` plus the unexpired reservations; with `quota` null the
   * reservation is taken unchecked (a confirmed candidate's clip) but still counts for others.
   */
  reserveUpload(r: UploadReservation): Promise<{ ok: boolean; held: number }>;
  /** Extends a reservation's lease; false when it is gone (lapsed and swept). */
  renewUpload(id: string, until: string): Promise<boolean>;
  releaseUpload(id: string): Promise<void>;
  getFile(candidateId: string, name: string): Promise<FileRecord | null>;
  setReceived(candidateId: string, name: string, received: number): Promise<void>;
  markVerified(candidateId: string, name: string, at: string): Promise<void>;
  /**
   * Marks a file verified and appends its "received" custody entry in one transaction: a file
   * is never seen verified without that entry, and a crash cannot leave one without the other.
   */
  recordVerified(candidateId: string, name: string, at: string, actor: string, detail: unknown): Promise<void>;
  markDeleted(candidateId: string, name: string, at: string): Promise<void>;
  custody(candidateId: string, name: string | null, actor: string, action: string, detail?: unknown): Promise<void>;
  custodyLog(
    candidateId: string,
  ): Promise<{ seq: number; name: string | null; at: string; actor: string; action: string; detail: unknown }[]>;
  /** Changes status only if it still is `from`; false when someone else got there first. */
  decide(
    id: string,
    from: CandidateStatus,
    to: CandidateStatus,
    by: string | null,
    at: string,
    reason: string,
    alertId: string | null,
  ): Promise<boolean>;
  claim(id: string, by: string, until: string, now: string): Promise<boolean>;
  pendingOlderThan(cutoff: string): Promise<string[]>;
  pendingForSubject(subjectId: string): Promise<string[]>;
}
