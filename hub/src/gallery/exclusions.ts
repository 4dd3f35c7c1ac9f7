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
    const subject = await this.repo.subject(e.subjectId);
    if (!subject || subject.scheme !== p.scheme) throw new HubError('bad_request', `unknown subject "${e.subjectId}"`);
    if (Date.parse(e.endsAt) <= Date.parse(e.startsAt))
      throw new HubError('bad_request', 'endsAt must be after startsAt');
    await this.checkPlaces(p.scheme, e.stores, e.zones);
    const x = await this.repo.addExclusion(`excl-${crypto.randomUUID()}`, p.scheme, e, p.id, new Date().toISOString());
    await this.audit.append({
      scheme: p.scheme,
      actor: actorOf(p),
      action: 'create',
      object: { kind: 'exclusion', id: x.id },
      subjectId: e.subjectId,
    });
    return x;
  }

  async view(p: Principal, id: string): Promise<Exclusion> {
    must(p, 'viewGallery');
    const x = await this.repo.exclusion(id);
    if (!x || x.scheme !== p.scheme) throw notFound(`exclusion "${id}"`);
    await this.audit.append({
      scheme: p.scheme,
      actor: actorOf(p),
      action: 'view',
      object: { kind: 'exclusion', id },
      subjectId: x.subjectId,
    });
    return x;
  }

  async list(p: Principal): Promise<Exclusion[]> {
    must(p, 'viewGallery');
    const list = await this.repo.exclusions(p.scheme);
    await this.audit.append({
      scheme: p.scheme,
      actor: actorOf(p),
      action: 'view',
      object: { kind: 'exclusion', id: '*list*' },
      detail: { count: list.length },
    });
    return list;
  }

  /** An appeal by the person (recorded by a coordinator) or an early review. */
  async record(p: Principal, id: string, a: z.infer<typeof AppealInput>): Promise<Exclusion> {
    must(p, 'manageGallery');
    const x = await this.view(p, id);
    const event = { at: new Date().toISOString(), by: p.id, kind: a.kind, text: a.text, outcome: null };
    await this.repo.addExclusionEvent(x.id, event);
    return (await this.repo.exclusion(id))!;
  }

  /** The outcome of an appeal or review, acted on at once. */
  async decide(p: Principal, id: string, d: z.infer<typeof ExclusionDecision>): Promise<Exclusion> {
    must(p, 'manageGallery');
    const x = await this.view(p, id);
    if (x.status !== 'active') throw new HubError('conflict', `the notice is ${x.status}`);
    if (d.outcome === 'varied') await this.checkPlaces(p.scheme, d.stores ?? x.stores, d.zones ?? x.zones);
    const event = {
      at: new Date().toISOString(),
      by: p.id,
      kind: 'decision' as const,
      text: d.text,
      outcome: d.outcome,
    };
    const patch =
      d.outcome === 'withdrawn'
        ? { status: 'withdrawn' }
        : d.outcome === 'varied'
          ? { endsAt: d.endsAt, stores: d.stores, zones: d.zones }
          : null;
    await this.repo.decideExclusion(x.id, event, patch); // the decision and its effect: one transaction
    await this.audit.append({
      scheme: p.scheme,
      actor: actorOf(p),
      action: 'update',
      object: { kind: 'exclusion', id },
      subjectId: x.subjectId,
      detail: { outcome: d.outcome },
    });
    return (await this.repo.exclusion(id))!;
  }
}
