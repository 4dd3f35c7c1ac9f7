import crypto from 'node:crypto';
import type { z } from 'zod';
import type { AppealInput, Exclusion, ExclusionDecision, ExclusionInput } from '@shopwatch/protocols';
import type { AuditLog } from '../audit/log';
import type { Principal } from '../auth/principal';
import type { HubDirectory } from '../directory-interface';
import { HubError, notFound } from '../errors';
import type { GovernanceRepository } from '../storage/governance-repository';
import { actorOf, must } from './access';

/** Exclusion notices: where a person may not enter, until when, who decided, how to appeal. */
export class ExclusionService {
  constructor(
    private repo: GovernanceRepository,
    private dir: HubDirectory,
    private audit: AuditLog,
  ) {}

  private async checkPlaces(scheme: string, stores: string[], zones: string[]) {
    const s = await this.dir.scheme(scheme);
    stores.forEach((st, i) => {
      if (!s.stores.some((x) => x.id === st)) throw new HubError('bad_request', `stores.${i}: unknown store "${st}"`);
    });
    zones.forEach((z, i) => {
      if (!s.zones.some((x) => x.id === z)) throw new HubError('bad_request', `zones.${i}: unknown zone "${z}"`);
    });
    if (!stores.length && !zones.length)
      throw new HubError('bad_request', 'name the stores or zones the notice covers');
  }

  async issue(p: Principal, e: z.infer<typeof ExclusionInput>): Promise<Exclusion> {
    must(p, 'manageGallery');
    const subject = this.repo.subject(e.subjectId, () => 0);
    if (!subject || subject.scheme !== p.scheme) throw new HubError('bad_request', `unknown subject "${e.subjectId}"`);
    if (Date.parse(e.endsAt) <= Date.parse(e.startsAt))
      throw new HubError('bad_request', 'endsAt must be after startsAt');
    await this.checkPlaces(p.scheme, e.stores, e.zones);
    const x = this.repo.addExclusion(`excl-${crypto.randomUUID()}`, p.scheme, e, p.id, new Date().toISOString());
    this.audit.append({
      scheme: p.scheme,
      actor: actorOf(p),
      action: 'create',
      object: { kind: 'exclusion', id: x.id },
      subjectId: e.subjectId,
    });
    return x;
  }

  view(p: Principal, id: string): Exclusion {
    must(p, 'viewGallery');
    const x = this.repo.exclusion(id);
    if (!x || x.scheme !== p.scheme) throw notFound(`exclusion "${id}"`);
    this.audit.append({
      scheme: p.scheme,
      actor: actorOf(p),
      action: 'view',
      object: { kind: 'exclusion', id },
      subjectId: x.subjectId,
    });
    return x;
  }

  list(p: Principal): Exclusion[] {
    must(p, 'viewGallery');
    const list = this.repo.exclusions(p.scheme);
    this.audit.append({
      scheme: p.scheme,
      actor: actorOf(p),
      action: 'view',
      object: { kind: 'exclusion', id: '*list*' },
      detail: { count: list.length },
    });
    return list;
  }

  /** An appeal by the person (recorded by a coordinator) or an early review. */
  record(p: Principal, id: string, a: z.infer<typeof AppealInput>): Exclusion {
    must(p, 'manageGallery');
    const x = this.view(p, id);
    this.repo.addExclusionEvent(x.id, new Date().toISOString(), p.id, a.kind, a.text, null);
    return this.repo.exclusion(id)!;
  }

  /** The outcome of an appeal or review, acted on at once. */
  async decide(p: Principal, id: string, d: z.infer<typeof ExclusionDecision>): Promise<Exclusion> {
    must(p, 'manageGallery');
    const x = this.view(p, id);
    if (x.status !== 'active') throw new HubError('conflict', `the notice is ${x.status}`);
    if (d.outcome === 'varied') await this.checkPlaces(p.scheme, d.stores ?? x.stores, d.zones ?? x.zones);
    this.repo.tx(() => {
      this.repo.addExclusionEvent(x.id, new Date().toISOString(), p.id, 'decision', d.text, d.outcome);
      if (d.outcome === 'withdrawn') this.repo.updateExclusion(x.id, { status: 'withdrawn' });
      if (d.outcome === 'varied')
        this.repo.updateExclusion(x.id, { endsAt: d.endsAt, stores: d.stores, zones: d.zones });
    });
    this.audit.append({
      scheme: p.scheme,
      actor: actorOf(p),
      action: 'update',
      object: { kind: 'exclusion', id },
      subjectId: x.subjectId,
      detail: { outcome: d.outcome },
    });
    return this.repo.exclusion(id)!;
  }
}
