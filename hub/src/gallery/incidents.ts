import crypto from 'node:crypto';
import type { Alert, Incident, IncidentInput } from '@shopwatch/protocols';
import type { AuditLog } from '../audit/log';
import type { Principal } from '../auth/principal';
import type { HubDirectory } from '../directory-interface';
import { HubError, forbidden, notFound } from '../errors';
import type { GovernanceRepository } from '../storage/governance-repository';
import { actorOf, must } from './access';

/**
 * Checks that the alert and evidence an incident cites are the reporter's own scheme's (and, for
 * the alert, visible to them); throws a 400 naming the first that is not.
 */
export type IncidentRefCheck = (p: Principal, i: IncidentInput) => Promise<void>;

/** Incident reports: quick to make from an alert; the basis for any gallery enrolment. */
export class IncidentService {
  constructor(
    private repo: GovernanceRepository,
    private dir: HubDirectory,
    private audit: AuditLog,
    private refs?: IncidentRefCheck,
    /** The alert an incident is reported from, if the reporter may see it (else not_found). */
    private alertOf?: (p: Principal, alertId: string) => Promise<Alert>,
  ) {}

  async record(p: Principal, i: IncidentInput): Promise<Incident> {
    must(p, 'recordIncident');
    const scheme = await this.dir.scheme(p.scheme);
    let store = i.store ?? null;
    // Reported from an alert: filed under the alert's store, whoever reports it (issue 12: a
    // member's report of a neighbour's alert went under the member's own store).
    const alert = i.alertId && this.alertOf ? await this.alertOf(p, i.alertId) : null;
    if (alert) {
      if (p.role === 'member' && store && store !== alert.store) {
        throw forbidden('an incident reported from an alert is filed under the alert’s store');
      }
      store = p.role === 'member' ? alert.store : (store ?? alert.store);
    } else if (p.role === 'member') {
      if (store && store !== p.store) throw forbidden('members record incidents for their own store');
      store = p.store;
    }
    if (store && !scheme.stores.some((s) => s.id === store))
      throw new HubError('bad_request', `unknown store "${store}"`);
    if (Date.parse(i.occurredAt) > Date.now() + 5 * 60_000)
      throw new HubError('bad_request', 'occurredAt is in the future');
    await this.refs?.(p, i);
    const at = new Date().toISOString();
    const inc = await this.repo.addIncident(`inc-${crypto.randomUUID()}`, p.scheme, store, i, p.id, at);
    await this.audit.append({
      scheme: p.scheme,
      actor: actorOf(p),
      action: 'create',
      object: { kind: 'incident', id: inc.id },
    });
    return inc;
  }

  /** Viewing an incident is audited; members see their own store's only. */
  async view(p: Principal, id: string): Promise<Incident> {
    const inc = await this.repo.incident(id);
    const hidden = p.role === 'member' && inc?.store !== p.store && inc?.reporter !== p.id;
    if (!inc || inc.scheme !== p.scheme || hidden) throw notFound(`incident "${id}"`);
    await this.audit.append({ scheme: p.scheme, actor: actorOf(p), action: 'view', object: { kind: 'incident', id } });
    return inc;
  }

  async list(p: Principal): Promise<Incident[]> {
    must(p, 'recordIncident');
    const list = await this.repo.incidents(p.scheme, p.role === 'member' ? p.store : null, 200);
    await this.audit.append({
      scheme: p.scheme,
      actor: actorOf(p),
      action: 'view',
      object: { kind: 'incident', id: '*list*' },
      detail: { count: list.length },
    });
    return list;
  }
}
