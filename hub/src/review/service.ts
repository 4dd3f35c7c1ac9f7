import fs from 'node:fs';
import type { CandidateStatus, EvidenceFile, ReviewCandidate, ReviewDecision, ReviewOrder } from '@shopwatch/protocols';
import type { AlertService } from '../alerts/service';
import type { AuditLog } from '../audit/log';
import type { Principal } from '../auth/principal';
import { HubError, notFound } from '../errors';
import type { EvidenceService } from '../evidence/service';
import type { EvidenceStore } from '../evidence/store';
import type { Logger } from '../log';
import type { EvidenceRepository } from '../storage/evidence-repository';
import type { CaseService } from './cases';

const CLAIM_MS = 2 * 60_000;

/**
 * The human review queue. A reviewer claims a candidate (so two cannot decide it at once),
 * then confirms — which raises a gallery-match alert through the normal alert path — or
 * rejects, which deletes the face crop, frame and clip: the person matched nobody.
 */
export class ReviewService {
  private timer: NodeJS.Timeout | null = null;
  constructor(
    private repo: EvidenceRepository,
    private evidence: EvidenceService,
    private files: EvidenceStore,
    private alerts: AlertService,
    private audit: AuditLog,
    private log: Logger,
    private expiryMinutes: number,
    /** Review cases group sightings of one subject at one store. */
    private cases: CaseService,
  ) {}

  /**
   * Runs the sweep now and every `sweepMs`. In a cluster only the leader runs it (features.ts),
   * and it may be stopped and started again as the lead moves; a sweep under way when it stops
   * makes no further change. Each change is claimed by a conditional write anyway.
   */
  start(sweepMs = 60_000) {
    this.stop();
    const sweeping = () => this.timer !== null;
    this.timer = setInterval(() => void this.expireStale(sweeping), sweepMs);
    this.timer.unref();
    void this.expireStale(sweeping);
  }

  stop() {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private async mine(p: Principal, id: string): Promise<ReviewCandidate> {
    const c = await this.evidence.view(id);
    if (!c || c.scheme !== p.scheme) throw notFound(`candidate "${id}"`);
    return c;
  }

  async list(
    p: Principal,
    status: CandidateStatus | null,
    limit: number,
    order: ReviewOrder = 'oldest',
  ): Promise<ReviewCandidate[]> {
    const rows = await this.repo.listCandidates(p.scheme, status, limit, order);
    // The queue shows gallery-match data (aliases, scores): reading it is a view, audited.
    const object = { kind: 'candidate', id: '*list*' } as const;
    const actor = { kind: p.kind, id: p.id };
    await this.audit.append({
      scheme: p.scheme,
      actor,
      action: 'view',
      object,
      detail: { status, count: rows.length },
    });
    return Promise.all(rows.map((r) => this.evidence.withAlias(r)));
  }

  /** Opening a candidate is a view of gallery-match data: audited. */
  async open(p: Principal, id: string): Promise<ReviewCandidate> {
    const c = await this.mine(p, id);
    await this.audit.append({
      scheme: p.scheme,
      actor: { kind: p.kind, id: p.id },
      action: 'view',
      object: { kind: 'candidate', id },
      subjectId: c.subjectId,
    });
    return c;
  }

  /** A file to send to a reviewer: re-hashed first (every transfer is verified), and audited. */
  async file(
    p: Principal,
    id: string,
    name: string,
  ): Promise<{ path: string; type: EvidenceFile['type']; bytes: number }> {
    const c = await this.mine(p, id);
    const f = await this.repo.getFile(id, name);
    const listed = c.files.find((x) => x.name === name);
    if (!f || f.deletedAt || !listed) throw notFound(`file "${name}"`);
    if (!f.verifiedAt) throw new HubError('conflict', `${name} is still being uploaded`);
    const path = this.files.file(id, name);
    const actual = await this.files.sha256(path);
    if (actual !== f.sha256) {
      await this.repo.custody(id, name, 'hub', 'integrity_failure', { expected: f.sha256, actual });
      this.log.error({ candidateId: id, name }, 'evidence file failed its integrity check');
      throw new HubError('internal', `${name} failed its integrity check; it has been logged`);
    }
    await this.audit.append({
      scheme: p.scheme,
      actor: { kind: p.kind, id: p.id },
      action: 'view',
      object: { kind: 'evidence', id: `${id}/${name}` },
      subjectId: c.subjectId,
    });
    await this.repo.custody(id, name, `user:${p.id}`, 'viewed', { sha256: actual });
    return { path, type: listed.type, bytes: fs.statSync(path).size };
  }

  async claim(p: Principal, id: string): Promise<ReviewCandidate> {
    const c = await this.mine(p, id);
    if (c.status !== 'pending') throw new HubError('conflict', `candidate is already ${c.status}`);
    const now = new Date();
    if (!(await this.repo.claim(id, p.id, new Date(now.getTime() + CLAIM_MS).toISOString(), now.toISOString()))) {
      const again = await this.repo.getCandidate(id);
      throw new HubError('conflict', `candidate is being reviewed by ${again?.claimedBy ?? 'someone else'}`);
    }
    await this.evidence.announce(id, 'claimed');
    return (await this.evidence.view(id))!;
  }

  async decide(p: Principal, id: string, d: ReviewDecision): Promise<ReviewCandidate> {
    const c = await this.mine(p, id);
    if (c.status !== 'pending') throw new HubError('conflict', `candidate is already ${c.status}`);
    if (c.claimedBy && c.claimedBy !== p.id && c.claimedUntil && Date.parse(c.claimedUntil) > Date.now())
      throw new HubError('conflict', `candidate is being reviewed by ${c.claimedBy}`);
    const at = new Date().toISOString();
    const to = d.verdict === 'confirm' ? 'confirmed' : 'rejected';
    // The conditional update is the lock: of two reviewers deciding at once, one wins.
    if (!(await this.repo.decide(id, 'pending', to, p.id, at, d.reason, null)))
      throw new HubError('conflict', 'another reviewer decided this candidate first');
    await this.audit.append({
      scheme: p.scheme,
      actor: { kind: p.kind, id: p.id },
      action: 'decide',
      object: { kind: 'candidate', id },
      subjectId: c.subjectId,
      detail: { verdict: d.verdict, reason: d.reason, score: c.score },
    });
    if (d.verdict === 'confirm') {
      // A pending sighting of a case already confirmed joins that case's alert: no second alert.
      const existing = (await this.cases.confirmedAlert(c)) ?? null;
      if (existing) await this.repo.decide(id, 'confirmed', 'confirmed', p.id, at, d.reason, existing);
      else await this.raiseFor(p, c, d.reason, at);
    } else {
      await this.deleteMedia(id, `user:${p.id}`, 'rejected by reviewer');
      await this.cases.settle(c.caseId, 'rejected', p.id, d.reason);
      await this.cases.rejected(p, c);
    }
    this.log.info({ candidateId: id, by: p.id, verdict: d.verdict }, 'candidate decided');
    await this.evidence.announce(id, 'decided');
    return (await this.evidence.view(id))!;
  }

  private async raiseFor(p: Principal, c: ReviewCandidate, reason: string, at: string) {
    const id = c.id;
    try {
      const { alert } = await this.alerts.raise(
        p,
        {
          type: 'gallery-match',
          severity: 'high',
          subjectId: c.subjectId,
          clientRef: `review-${id}`,
          message:
            `Gallery match confirmed by ${p.displayName ?? p.id}: ${c.subjectAlias ?? c.subjectId} at ` +
            `camera ${c.cameraId}`,
          ...(c.store ? { store: c.store } : { zone: c.zone ?? undefined }),
        },
        this.cases.sighting(c) ?? null,
      );
      await this.repo.decide(id, 'confirmed', 'confirmed', p.id, at, reason, alert.id);
      await this.cases.confirmed(p, c, alert.id, reason, at);
    } catch (err) {
      // Nothing was announced: back to the queue.
      await this.repo.decide(id, 'confirmed', 'pending', null, at, '', null);
      throw err;
    }
  }

  /**
   * One decision for a whole case: a confirm confirms its best pending sighting (which raises
   * the one alert and confirms the rest); a reject rejects every pending sighting.
   */
  async decideCase(p: Principal, caseId: string, d: ReviewDecision) {
    const k = await this.cases.mine(p, caseId);
    if (k.status !== 'open') throw new HubError('conflict', `case is already ${k.status}`);
    const ids = await this.cases.pendingOf(caseId);
    const pending = (await Promise.all(ids.map((id) => this.repo.getCandidate(id)))).filter((c) => c !== null);
    if (!pending.length) throw new HubError('conflict', 'the case has no sighting left to decide');
    if (d.verdict === 'confirm') {
      const best = pending.reduce((a, b) => (b.score > a.score ? b : a));
      const decided = await this.decide(p, best.id, d);
      // One confirm decides the case: its other sightings join the same alert, unannounced.
      const at = decided.decidedAt ?? new Date().toISOString();
      for (const c of pending.filter((x) => x.id !== best.id)) {
        if (!(await this.repo.decide(c.id, 'pending', 'confirmed', p.id, at, d.reason, decided.alertId))) continue;
        await this.audit.append({
          scheme: p.scheme,
          actor: { kind: p.kind, id: p.id },
          action: 'decide',
          object: { kind: 'candidate', id: c.id },
          subjectId: c.subjectId,
          detail: { verdict: 'confirm', reason: d.reason, score: c.score, caseId },
        });
        await this.evidence.announce(c.id, 'decided');
      }
    } else {
      for (const c of pending) await this.decide(p, c.id, d);
    }
    return this.cases.open(p, caseId);
  }

  /** Face crop, frame and clip of someone who matched nobody are deleted; the verdict stays. */
  private async deleteMedia(id: string, actor: string, why: string) {
    const c = await this.repo.getCandidate(id);
    for (const f of c?.files ?? []) {
      await this.files.remove(id, f.name);
      await this.repo.markDeleted(id, f.name, new Date().toISOString());
      await this.repo.custody(id, f.name, actor, 'deleted', { reason: why });
    }
    await this.files.removeDirIfEmpty(id);
  }

  /** A subject left the gallery: their pending candidates can no longer be confirmed. */
  async dropForSubject(subjectId: string) {
    for (const id of await this.repo.pendingForSubject(subjectId)) {
      if (
        !(await this.repo.decide(
          id,
          'pending',
          'expired',
          null,
          new Date().toISOString(),
          'subject left the gallery',
          null,
        ))
      )
        continue;
      await this.deleteMedia(id, 'hub', 'subject left the gallery');
      await this.cases.settle((await this.repo.getCandidate(id))?.caseId, 'expired', null, 'subject left the gallery');
      await this.evidence.announce(id, 'expired');
    }
  }

  /** `keepGoing` is asked before each candidate: a node that lost the lead stops at once. */
  async expireStale(keepGoing: () => boolean = () => true) {
    try {
      const cutoff = new Date(Date.now() - this.expiryMinutes * 60_000).toISOString();
      for (const id of await this.repo.pendingOlderThan(cutoff)) {
        if (!keepGoing()) break;
        // The conditional update (still pending?) is the claim: of two nodes, one expires it.
        if (
          !(await this.repo.decide(
            id,
            'pending',
            'expired',
            null,
            new Date().toISOString(),
            `not reviewed within ${this.expiryMinutes} minutes`,
            null,
          ))
        )
          continue;
        await this.deleteMedia(id, 'hub', 'review window passed');
        await this.cases.settle((await this.repo.getCandidate(id))?.caseId, 'expired', null, 'review window passed');
        this.log.info({ candidateId: id }, 'candidate expired unreviewed; media deleted');
        await this.evidence.announce(id, 'expired');
      }
    } catch (err) {
      this.log.error({ err }, 'review expiry sweep failed');
    }
  }
}
