import type { AlertService } from '../alerts/service';
import { HubError } from '../errors';
import type { EvidenceRepository } from '../storage/evidence-repository';
import type { IncidentRefCheck } from './incidents';

/**
 * An incident may cite an alert and evidence (candidate ids, or `candidateId/file`) only of the
 * reporter's own scheme: otherwise a report would link, and later disclose, another scheme's
 * records. Unknown and foreign ids get the same answer, so ids of other schemes cannot be probed.
 */
export function incidentRefs(alerts: AlertService, evidence: EvidenceRepository): IncidentRefCheck {
  return async (p, i) => {
    if (i.alertId) {
      try {
        await alerts.visible(p, i.alertId);
      } catch {
        throw new HubError('bad_request', `alertId: no alert "${i.alertId}" that you may see`);
      }
    }
    for (const [n, id] of (i.evidenceIds ?? []).entries()) {
      const candidateId = id.split('/')[0] ?? '';
      const c = candidateId ? await evidence.getCandidate(candidateId) : null;
      if (!c || c.scheme !== p.scheme) {
        throw new HubError('bad_request', `evidenceIds.${n}: no evidence "${id}" in your scheme`);
      }
    }
  };
}
