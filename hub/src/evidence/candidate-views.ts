import type { ReviewCandidate } from '@shopwatch/protocols';
import type { EvidenceRepository } from '../storage/evidence-repository';

/** Looks up what the control room calls a subject; the gallery module provides it. */
export type AliasLookup = (scheme: string, subjectId: string) => Promise<string | null>;

/**
 * Candidates as the control room sees them: with the subject's alias. Its own part so that the
 * review cases and the evidence service can both show candidates without needing each other.
 */
export class CandidateViews {
  constructor(
    private repo: Pick<EvidenceRepository, 'getCandidate'>,
    private alias: AliasLookup,
  ) {}

  async view(id: string): Promise<ReviewCandidate | null> {
    const c = await this.repo.getCandidate(id);
    return c ? this.withAlias(c) : null;
  }

  async withAlias(c: Omit<ReviewCandidate, 'subjectAlias'>): Promise<ReviewCandidate> {
    return { ...c, subjectAlias: await this.alias(c.scheme, c.subjectId) };
  }
}
