import type { CandidateReport, EvidenceReport, ReviewCandidate, ReviewEvent } from '@shopwatch/protocols';
import type { Principal } from '../auth/principal';
import type { EventBus } from '../bus';
import { HubError } from '../errors';
import type { Logger } from '../log';
import type { EvidenceRepository } from '../storage/evidence-repository';
import type { CandidateViews } from './candidate-views';

/** What evidence intake needs from the gallery and the review cases, given at construction. */
export interface EvidenceLinks {
  /** Candidates for subjects no longer in the active gallery (removed, expired) are refused. */
  isActive(scheme: string, subjectId: string): Promise<boolean>;
  /** Files a new candidate into its review case before anyone is told of it (review cases). */
  file(candidateId: string): Promise<void>;
}

/**
 * Evidence reports from edge boxes. A candidate lands in the review queue as `pending` and the
 * control room is told; nothing goes to stores from here — only a reviewer's confirmation does.
 */
export class EvidenceService {
  constructor(
    private repo: EvidenceRepository,
    private bus: EventBus,
    private log: Logger,
    private views: CandidateViews,
    private links: EvidenceLinks,
  ) {}

  view(id: string): Promise<ReviewCandidate | null> {
    return this.views.view(id);
  }

  withAlias(c: Omit<ReviewCandidate, 'subjectAlias'>): Promise<ReviewCandidate> {
    return this.views.withAlias(c);
  }

  async announce(id: string, event: ReviewEvent['event']) {
    const candidate = await this.view(id);
    if (candidate) this.bus.emit('review', { scheme: candidate.scheme, event: { event, candidate } });
  }

  async report(p: Principal, r: EvidenceReport): Promise<void> {
    if (r.kind === 'candidate') return this.candidate(p, r);
    const c = await this.repo.getCandidate(r.candidateId);
    if (!c || c.deviceId !== p.id) {
      throw new HubError('not_found', `candidate "${r.candidateId}" not found for this device`);
    }
    if (c.status === 'rejected' || c.status === 'expired') {
      throw new HubError('gone', `candidate is ${c.status}; its media was deleted`);
    }
    if (r.file) {
      // The clip report declares the clip before its upload; the declaration is made once.
      const f = await this.repo.getFile(r.candidateId, r.file);
      if (f && f.kind !== 'clip') throw new HubError('conflict', `${r.file} is already declared as the ${f.kind}`);
      if (f && (f.sha256 !== r.sha256 || f.bytes !== r.bytes)) {
        throw new HubError('conflict', `${r.file} was declared with another SHA-256 or size`);
      }
      const other = c.files.find((x) => x.kind === 'clip' && x.name !== r.file);
      if (other) throw new HubError('conflict', `candidate already has a clip (${other.name}); one clip per candidate`);
    }
    await this.repo.setClip(r.candidateId, r);
    const by = `device:${p.id}`;
    if (r.error) await this.repo.custody(r.candidateId, null, by, 'no_clip', { error: r.error, message: r.message });
    else if (r.file && !c.files.some((x) => x.name === r.file)) {
      await this.repo.custody(r.candidateId, r.file, by, 'declared', { sha256: r.sha256, bytes: r.bytes });
    }
    await this.announce(r.candidateId, 'updated');
  }

  private async candidate(p: Principal, r: CandidateReport): Promise<void> {
    if (r.crop.file === r.frame.file) {
      throw new HubError('bad_request', 'crop and frame must have different file names');
    }
    if (!(await this.links.isActive(p.scheme, r.subjectId))) {
      const why = `subject "${r.subjectId}" is not in the active gallery; purge it and drop this candidate`;
      throw new HubError('conflict', why);
    }
    const receivedAt = new Date().toISOString();
    const { scheme, id: deviceId, store, zone } = p;
    const added = await this.repo.addCandidate({ report: r, scheme, deviceId, store, zone, receivedAt });
    if (!added) {
      const existing = await this.repo.getCandidate(r.candidateId);
      if (existing && existing.deviceId !== p.id) {
        throw new HubError('conflict', 'candidate id already used by another device');
      }
      return; // a retry of a candidate we already hold: exactly once
    }
    const { candidateId, cameraId, subjectId, score } = r;
    this.log.info({ candidateId, deviceId: p.id, cameraId, subjectId, score }, 'candidate queued for review');
    // Stored already: a failure here leaves it unfiled, and the start-up sweep files it.
    await this.links
      .file(candidateId)
      .catch((err) => this.log.error({ err, candidateId }, 'filing into a case failed'));
    await this.announce(r.candidateId, 'pending');
  }
}
