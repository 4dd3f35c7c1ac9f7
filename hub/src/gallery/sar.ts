import fs from 'node:fs';
import type { AuditLog } from '../audit/log';
import type { EvidenceRepository } from '../storage/evidence-repository';
import type { GovernanceRepository } from '../storage/governance-repository';
import type { Repository } from '../storage/repository';

/**
 * Subject access request: everything the hub holds about one gallery subject — the entry,
 * linked incidents, photos (with their bytes while held), exclusion notices, review verdicts,
 * alerts naming them, and every audit entry about them. The export itself is audited.
 */
export async function subjectAccessExport(
  deps: {
    gov: GovernanceRepository;
    photoFile: (subjectId: string, photoId: string) => string;
    evidence: EvidenceRepository;
    repo: Repository;
    audit: AuditLog;
    /** Templates held for the subject: the same count the subject API shows (issue 12: it said 0). */
    templates: (subjectId: string) => Promise<number>;
  },
  subjectId: string,
  requestedBy: { kind: string; id: string; name?: string | null },
  format: 'json' | 'html' = 'json',
) {
  const stored = await deps.gov.subject(subjectId);
  if (!stored) return null;
  const subject = { ...stored, templates: await deps.templates(subjectId) };
  const candidates = (await deps.evidence.listCandidates(subject.scheme, null, 10_000)).filter(
    (c) => c.subjectId === subjectId,
  );
  const alerts = (await deps.repo.listAlerts({ scheme: subject.scheme, zones: null, limit: 10_000 })).filter(
    (a) => a.subjectId === subjectId,
  );
  const photos = subject.photos.map((p) => {
    const file = deps.photoFile(subjectId, p.id);
    return { ...p, data: !p.deleted && fs.existsSync(file) ? fs.readFileSync(file).toString('base64') : null };
  });
  // The trail is read before this export's own entry is added, then the entry names who ran it:
  // display name and username, so a reader of the log need not look the username up.
  const audit = (await deps.audit.list({ scheme: subject.scheme, subjectId, limit: 100_000 })).reverse();
  const by = `${requestedBy.name ?? requestedBy.id} (${requestedBy.id})`;
  await deps.audit.append({
    scheme: subject.scheme,
    actor: { kind: requestedBy.kind, id: requestedBy.id },
    action: 'export',
    object: { kind: 'subject', id: subjectId },
    subjectId,
    detail: { purpose: 'subject access request', by, format },
  });
  return {
    kind: 'shopwatch-subject-access-export',
    generatedAt: new Date().toISOString(),
    requestedBy: by,
    subject: { ...subject, photos: undefined },
    photos,
    incidents: await deps.gov.incidentsOf(subjectId),
    exclusions: await deps.gov.exclusions(subject.scheme, subjectId),
    reviewVerdicts: candidates.map((c) => ({
      id: c.id,
      cameraId: c.cameraId,
      store: c.store,
      capturedAt: c.capturedAt,
      score: c.score,
      status: c.status,
      decidedBy: c.decidedBy,
      decidedAt: c.decidedAt,
      reason: c.reason,
    })),
    alerts: alerts.map((a) => ({
      id: a.id,
      type: a.type,
      store: a.store,
      raisedAt: a.raisedAt,
      status: a.status,
      outcome: a.outcome,
      timeline: a.timeline,
    })),
    audit,
  };
}

export type SubjectAccessExport = NonNullable<Awaited<ReturnType<typeof subjectAccessExport>>>;
