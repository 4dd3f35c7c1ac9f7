import fs from 'node:fs';
import path from 'node:path';
import type { Alert, ReviewCandidate } from '@shopwatch/protocols';
import type { AuditLog } from '../audit/log';
import { HubError, notFound } from '../errors';
import type { EvidenceStore } from '../evidence/store';
import type { Logger } from '../log';
import type { EvidenceRepository } from '../storage/evidence-repository';
import type { Repository } from '../storage/repository';
import { sha256 } from './bagit';

/** What an export needs from the hub; the CLI and the HTTP route build it from the same data folder. */
export interface ExportDeps {
  repo: Repository;
  evidence: EvidenceRepository;
  files: EvidenceStore;
  audit: AuditLog;
  alias: (scheme: string, subjectId: string) => Promise<string | null>;
  dataDir: string;
  log: Logger;
}

/** Who asks for the export; `scheme` null (the CLI on the hub's own machine) may export any scheme's. */
export interface Requester {
  kind: string;
  id: string;
  name: string | null;
  scheme: string | null;
}

export type Candidate = Omit<ReviewCandidate, 'subjectAlias'>;

/** A master file copied out of the evidence store, its bytes re-hashed against the capture hash. */
export interface MasterFile {
  name: string;
  kind: string;
  sha256: string;
  bytes: number;
  /** The copy in the export's work folder, relative to it: `master/NAME`. */
  copy: string;
  /** Its bytes, the very ones that were hashed: these go into the package. */
  data: Buffer;
}

/**
 * Finds what to export: a confirmed gallery match, by its candidate or by the alert its
 * confirmation raised, or else the alert alone (a store's own alert has no media; its record is
 * still evidence). Only a match a named reviewer confirmed may be disclosed: a pending one is not
 * yet anybody's finding, and a rejected or expired one had its media deleted.
 */
export async function resolveCase(
  deps: ExportDeps,
  target: { candidateId?: string; alertId?: string },
  who: Requester,
) {
  let candidate: Candidate | null = null;
  let alert: Alert | null = null;
  if (target.alertId) {
    alert = await deps.repo.getAlert(target.alertId);
    if (!alert || (who.scheme && alert.scheme !== who.scheme)) throw notFound(`alert "${target.alertId}"`);
    const confirmed = await deps.evidence.listCandidates(alert.scheme, 'confirmed', 100_000);
    candidate = confirmed.find((c) => c.alertId === alert!.id) ?? null;
    if (!candidate) return { candidate: null, alert };
  } else if (target.candidateId) {
    candidate = await deps.evidence.getCandidate(target.candidateId);
    const hidden = candidate && who.scheme && candidate.scheme !== who.scheme;
    if (!candidate || hidden) throw notFound(`candidate "${target.candidateId}"`);
    alert = candidate.alertId ? await deps.repo.getAlert(candidate.alertId) : null;
  } else throw new HubError('bad_request', 'name the evidence: a candidate or an alert');
  const c = candidate;
  const gone = 'its images and clip were deleted, so there is nothing to export';
  if (c.status === 'pending')
    throw new HubError('conflict', `candidate "${c.id}" is not reviewed yet; a named reviewer must confirm it first`);
  if (c.status === 'rejected')
    throw new HubError('conflict', `candidate "${c.id}" was rejected by ${c.decidedBy} ("${c.reason ?? ''}"); ${gone}`);
  if (c.status === 'expired')
    throw new HubError('conflict', `candidate "${c.id}" expired unreviewed (${c.reason ?? ''}); ${gone}`);
  return { candidate: c, alert };
}

/**
 * Copies every verified file into `workDir/master/` and hashes the copy: the bytes that go
 * into the package are the ones checked against the SHA-256 the edge box recorded at capture.
 * A file that fails is logged in the custody log and stops the export (a corrupt master must
 * never be handed over as sound). Files that are absent are returned as notes, loudly.
 */
export async function copyMasters(
  deps: ExportDeps,
  c: Candidate,
  workDir: string,
): Promise<{ masters: MasterFile[]; notes: string[] }> {
  const masters: MasterFile[] = [];
  const notes: string[] = [];
  fs.mkdirSync(path.join(workDir, 'master'), { recursive: true });
  for (const f of c.files) {
    if (f.deleted) {
      notes.push(`${f.kind.toUpperCase()} MISSING: ${f.name} was deleted from the hub`);
      continue;
    }
    if (!f.verified) {
      const what = `${f.name} never finished uploading from the edge box (not verified, not included)`;
      notes.push(`${f.kind.toUpperCase()} MISSING: ${what}`);
      continue;
    }
    const copy = `master/${f.name}`;
    let actual: string | null = null;
    let data = Buffer.alloc(0);
    try {
      fs.copyFileSync(deps.files.file(c.id, f.name), path.join(workDir, copy));
      data = fs.readFileSync(path.join(workDir, copy));
      actual = sha256(data);
    } catch (err) {
      // A verified file gone from the disk is an integrity failure like a changed one.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    if (actual !== f.sha256) {
      const detail = { expected: f.sha256, actual, during: 'export' };
      await deps.evidence.custody(c.id, f.name, 'hub', 'integrity_failure', detail);
      deps.log.error({ candidateId: c.id, name: f.name }, 'evidence file failed its integrity check during export');
      const what = actual === null ? 'is missing from the evidence store' : 'no longer matches its capture SHA-256';
      const why = `${f.name} failed its integrity check: it ${what}; logged, nothing exported`;
      throw new HubError('internal', why);
    }
    masters.push({ name: f.name, kind: f.kind, sha256: actual, bytes: data.length, copy, data });
  }
  if (!masters.some((m) => m.kind === 'clip') && !c.files.some((f) => f.kind === 'clip')) {
    const why = c.clip?.error
      ? `the edge box reported "${c.clip.error}"`
      : c.clip
        ? 'the edge box reported no clip file'
        : 'no clip was ever reported by the edge box';
    notes.push(`CLIP MISSING: ${why}; this package holds the stills only`);
  }
  return { masters, notes };
}

/** The audit entries about an alert-only exhibit (its disclosures), oldest first. */
export async function alertContinuity(deps: ExportDeps, alert: Alert): Promise<ContinuityEntry[]> {
  return (await deps.audit.list({ scheme: alert.scheme, objectKind: 'alert', objectId: alert.id, limit: 100_000 }))
    .reverse()
    .map((e) => ({
      at: e.at,
      source: 'audit',
      actor: `${e.actor.kind}:${e.actor.id}`,
      action: e.action,
      file: null,
      detail: e.detail,
    }));
}

export interface ContinuityEntry {
  at: string;
  source: 'custody' | 'audit';
  actor: string;
  action: string;
  file: string | null;
  detail: unknown;
}

/**
 * The continuity (chain of custody) of one evidence item, oldest first: the custody log
 * (capture report, every transfer with its hash check, every view, deletions, exports) and the
 * audit entries about the candidate (review views, the decision, disclosures).
 */
export async function continuity(deps: ExportDeps, c: Candidate): Promise<ContinuityEntry[]> {
  const custody = (await deps.evidence.custodyLog(c.id)).map(
    (e): ContinuityEntry => ({
      at: e.at,
      source: 'custody',
      actor: e.actor,
      action: e.action,
      file: e.name,
      detail: e.detail,
    }),
  );
  const audit = (await deps.audit.list({ scheme: c.scheme, subjectId: c.subjectId, limit: 100_000 }))
    .filter((e) => e.object.id === c.id || e.object.id.startsWith(`${c.id}/`))
    .map(
      (e): ContinuityEntry => ({
        at: e.at,
        source: 'audit',
        actor: `${e.actor.kind}:${e.actor.id}`,
        action: e.action,
        file: e.object.id.startsWith(`${c.id}/`) ? e.object.id.slice(c.id.length + 1) : null,
        detail: e.detail,
      }),
    );
  return [...custody, ...audit].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
}
