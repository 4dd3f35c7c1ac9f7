import crypto from 'node:crypto';
import type { CaseStatus, ReviewCandidate, ReviewCase, ReviewCaseDetail } from '@shopwatch/protocols';
import type { AlertService } from '../alerts/service';
import type { AuditLog } from '../audit/log';
import type { Principal } from '../auth/principal';
import { notFound } from '../errors';
import type { CandidateViews } from '../evidence/candidate-views';
import type { Sighting } from '../gallery/field-gallery';
import type { Logger } from '../log';
import type { CaseRepository, StoredCase } from '../storage/case-repository';
import type { EvidenceRepository } from '../storage/evidence-repository';

const HUB = { kind: 'hub' as const, id: 'review-case' };
const hhmm = (iso: string) => new Date(iso).toISOString().slice(11, 16);

/**
 * Groups sightings of one subject at one store into review cases, so one person lingering at a
 * camera is one decision, not nine. After a confirm, a repeat sighting within the follow-up
 * window adds "seen again" to the case's alert instead of raising another.
 */
export class CaseService {
  // Candidates arrive concurrently (MQTT and HTTP); grouping one at a time keeps one open case.
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private cases: CaseRepository,
    private repo: EvidenceRepository,
    private evidence: Pick<CandidateViews, 'view'>,
    private alerts: AlertService,
    private audit: AuditLog,
    private log: Logger,
    private followMinutes: number,
  ) {}

  /** Files a stored candidate into its case; called before the control room is told of it. */
  attach(candidateId: string): Promise<void> {
    const next = this.chain.then(() => this.file(candidateId));
    this.chain = next.catch(() => {});
    return next;
  }

  /** Candidates stored without a case (a crash between the two writes) are filed at start-up. */
  async fileUnassigned() {
    for (const id of await this.cases.unassigned()) await this.attach(id);
  }

  private async file(candidateId: string) {
    const c = await this.repo.getCandidate(candidateId);
    if (!c || c.caseId || c.status !== 'pending') return;
    const open = await this.cases.latest(c.scheme, c.subjectId, c.store, ['open']);
    if (open) return this.cases.attach(open.id, c.id);
    const followed = await this.cases.latest(c.scheme, c.subjectId, c.store, ['confirmed']);
    if (followed?.alertId && this.withinFollowUp(followed)) {
      await this.cases.attach(followed.id, c.id);
      if (await this.seenAgain(followed, c)) return;
    }
    const id = `case-${crypto.randomUUID()}`;
    const k = { id, scheme: c.scheme, store: c.store, zone: c.zone, subjectId: c.subjectId };
    await this.cases.open(k, c.id, c.receivedAt);
    this.log.info({ caseId: id, candidateId, subjectId: c.subjectId, store: c.store }, 'review case opened');
  }

  private withinFollowUp(k: StoredCase) {
    const last = Math.max(Date.parse(k.lastSeenAt), Date.parse(k.decidedAt ?? k.lastSeenAt));
    return Date.now() - last <= this.followMinutes * 60_000;
  }

  /**
   * A repeat sighting of a confirmed subject: the alert learns of it, no second alert. The
   * sighting itself stays pending: a reviewer may still confirm it or reject it (and its media).
   */
  private async seenAgain(k: StoredCase, c: Omit<ReviewCandidate, 'subjectAlias'>): Promise<boolean> {
    const score = c.score.toFixed(2);
    const note = `Seen again at camera ${c.cameraId} at ${hhmm(c.capturedAt)} UTC (camera match, score ${score})`;
    const alert = await this.alerts.update(k.alertId!, note, HUB);
    if (!alert) return false; // the alert was closed meanwhile: a new case, reviewed afresh
    this.log.info({ caseId: k.id, candidateId: c.id, alertId: alert.id }, 'subject seen again; alert updated');
    return true;
  }

  /** A reviewer rejected a sighting that had updated an alert: the alert says so too. */
  async rejected(p: Principal, c: ReviewCandidate) {
    const k = c.caseId ? await this.cases.get(c.caseId) : null;
    if (k?.status !== 'confirmed' || !k.alertId) return;
    const note = `Sighting at camera ${c.cameraId} at ${hhmm(c.capturedAt)} UTC rejected by ${p.displayName ?? p.id}`;
    await this.alerts.update(k.alertId, note, { kind: p.kind, id: p.id });
  }

  async withAlias(k: StoredCase): Promise<ReviewCase> {
    const best = await this.evidence.view(k.bestCandidateId);
    return { ...k, subjectAlias: best?.subjectAlias ?? null };
  }

  async mine(p: Principal, id: string): Promise<StoredCase> {
    const k = await this.cases.get(id);
    if (!k || k.scheme !== p.scheme) throw notFound(`case "${id}"`);
    return k;
  }

  async list(p: Principal, status: CaseStatus | null, limit: number): Promise<ReviewCase[]> {
    return Promise.all((await this.cases.list(p.scheme, status, limit)).map((k) => this.withAlias(k)));
  }

  /** Opening a case is a view of gallery-match data: audited. */
  async open(p: Principal, id: string): Promise<ReviewCaseDetail> {
    const k = await this.mine(p, id);
    await this.audit.append({
      scheme: p.scheme,
      actor: { kind: p.kind, id: p.id },
      action: 'view',
      object: { kind: 'case', id },
      subjectId: k.subjectId,
    });
    const ids = await this.cases.candidateIds(id);
    const candidates = (await Promise.all(ids.map((c) => this.evidence.view(c)))).filter(
      (c): c is ReviewCandidate => c !== null,
    );
    return { ...(await this.withAlias(k)), candidates };
  }

  /** Where the confirmed sighting was: what the alert's reference points at. */
  sighting(c: ReviewCandidate): Sighting | null {
    if (!c.caseId) return null;
    const crop = c.files.find((f) => f.kind === 'crop' && !f.deleted);
    return { caseId: c.caseId, candidateId: c.id, cameraId: c.cameraId, seenAt: c.capturedAt, hasCrop: Boolean(crop) };
  }

  /** The case's existing alert, when a pending sighting of an already confirmed case is confirmed. */
  async confirmedAlert(c: ReviewCandidate): Promise<string | null> {
    const k = c.caseId ? await this.cases.get(c.caseId) : null;
    return k?.status === 'confirmed' ? k.alertId : null;
  }

  /** After a confirm raised the alert: the case is confirmed and points at it. */
  async confirmed(p: Principal, c: ReviewCandidate, alertId: string, reason: string, at: string) {
    if (c.caseId) await this.cases.decide(c.caseId, 'open', 'confirmed', p.id, at, reason, alertId);
  }

  /** A case with nothing left pending and nothing confirmed ends as rejected or expired. */
  async settle(caseId: string | null | undefined, to: 'rejected' | 'expired', by: string | null, reason: string) {
    const k = caseId ? await this.cases.get(caseId) : null;
    if (k?.status !== 'open' || k.pending > 0) return;
    await this.cases.decide(k.id, 'open', to, by, new Date().toISOString(), reason, null);
  }

  pendingOf(caseId: string): Promise<string[]> {
    return this.cases.pendingIds(caseId);
  }
}
