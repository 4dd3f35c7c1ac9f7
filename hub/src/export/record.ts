import type { Alert } from '@shopwatch/protocols';
import { SIGNATURE, TAG_MANIFEST } from './bagit';
import type { Candidate, MasterFile, Requester } from './evidence-case';
import type { WorkingCopy } from './working-copy';

/**
 * data/record.json: the alert and review record of one exhibit. An exhibit named by an alert
 * that no gallery match raised (a store's own alert) has no candidate, review or capture clock.
 */
export interface EvidenceRecord {
  kind: 'shopwatch-evidence-record';
  version: 1;
  exhibit: string;
  generatedAt: string;
  producer: { id: string; name: string | null; scheme: { id: string; name: string } };
  disclosure: { to: string; organisation: string; reason: string };
  candidate: (Omit<Candidate, 'files' | 'claimedBy' | 'claimedUntil'> & { subjectAlias: string | null }) | null;
  review: { status: string; decidedBy: string | null; decidedAt: string | null; reason: string | null } | null;
  alert: Alert | null;
  /** Edge clock minus hub clock in ms when the edge captured; hub time = edge time - offset. */
  clock: { edgeClockOffsetMs: number; capturedAtEdgeClock: string; capturedAtHubClock: string } | null;
  files: { name: string; kind: string; sha256: string; bytes: number; path: string; role: 'master' | 'working copy' }[];
  workingCopy: { path: string; command: string; ffmpegVersion: string; method: string } | null;
  notes: string[];
}

export interface RecordInput {
  exhibit: string;
  disclosure: EvidenceRecord['disclosure'];
  who: Requester;
  scheme: { id: string; name: string };
  candidate: Candidate | null;
  subjectAlias: string | null;
  alert: Alert | null;
  masters: MasterFile[];
  working: (WorkingCopy & { sha256: string; bytes: number }) | null;
  notes: string[];
}

/** Converts an edge-clock time to the hub's clock with the offset the edge measured. */
export function toHubClock(edgeTime: string, offsetMs: number): string {
  return new Date(Date.parse(edgeTime) - offsetMs).toISOString();
}

export function buildRecord(i: RecordInput): EvidenceRecord {
  const c = i.candidate;
  const files: EvidenceRecord['files'] = i.masters.map((m) => ({
    name: m.name,
    kind: m.kind,
    sha256: m.sha256,
    bytes: m.bytes,
    path: `data/${m.copy}`,
    role: 'master',
  }));
  const w = i.working;
  if (w) {
    const name = w.file.split('/').pop()!;
    files.push({ name, kind: 'clip', sha256: w.sha256, bytes: w.bytes, path: `data/${w.file}`, role: 'working copy' });
  }
  let candidate: EvidenceRecord['candidate'] = null;
  if (c) {
    const { claimedBy: _b, claimedUntil: _u, files: _f, ...rest } = c;
    candidate = { ...rest, subjectAlias: i.subjectAlias };
  }
  return {
    kind: 'shopwatch-evidence-record',
    version: 1,
    exhibit: i.exhibit,
    generatedAt: new Date().toISOString(),
    producer: { id: i.who.id, name: i.who.name, scheme: i.scheme },
    disclosure: i.disclosure,
    candidate,
    review: c ? { status: c.status, decidedBy: c.decidedBy, decidedAt: c.decidedAt, reason: c.reason } : null,
    alert: i.alert,
    clock: c
      ? {
          edgeClockOffsetMs: c.clockOffsetMs,
          capturedAtEdgeClock: c.capturedAt,
          capturedAtHubClock: toHubClock(c.capturedAt, c.clockOffsetMs),
        }
      : null,
    files,
    workingCopy: w
      ? { path: `data/${w.file}`, command: w.command, ffmpegVersion: w.ffmpegVersion, method: w.method }
      : null,
    notes: i.notes,
  };
}

/**
 * bag-info.txt fields: the reserved ones of RFC 8493 §2.2.2 first (the producer's organisation,
 * contact, description, date, External-Identifier = the exhibit reference), then ShopWatch's own.
 * Payload-Oxum and Bag-Size are added by makeBag.
 */
export function bagInfoFields(
  r: EvidenceRecord,
  who: Requester,
  software: string,
  keyFingerprint: string,
): [string, string][] {
  const c = r.candidate;
  const what = c
    ? `Gallery-match evidence (candidate ${c.id}) from camera ${c.cameraId}${c.store ? ` at store ${c.store}` : ''}, ` +
      `captured ${c.capturedAt}, confirmed by ${c.decidedBy ?? 'a reviewer'}`
    : `Record of alert ${r.alert?.id} (${r.alert?.type}) raised ${r.alert?.raisedAt}, without media`;
  const capture: [string, string][] =
    c && r.clock
      ? [
          ['Camera-Id', c.cameraId],
          ['Edge-Device', c.deviceId],
          ['Captured-At-Edge-Clock', r.clock.capturedAtEdgeClock],
          ['Edge-Clock-Offset-Ms', String(r.clock.edgeClockOffsetMs)],
          ['Captured-At-Hub-Clock', r.clock.capturedAtHubClock],
        ]
      : [];
  return [
    ['Source-Organization', r.producer.scheme.name],
    ['Contact-Name', who.name ?? who.id],
    ['External-Description', `${what}; disclosed to ${r.disclosure.to}, ${r.disclosure.organisation}.`],
    ['Bagging-Date', r.generatedAt.slice(0, 10)],
    ['External-Identifier', r.exhibit],
    ['Bag-Software-Agent', software],
    ['Exhibit-Producer', `${who.name ?? who.id} (${who.kind}:${who.id})`],
    ['Scheme', `${r.producer.scheme.name} (${r.producer.scheme.id})`],
    ['Disclosed-To', r.disclosure.to],
    ['Disclosed-To-Organisation', r.disclosure.organisation],
    ['Disclosure-Reason', r.disclosure.reason],
    ['Candidate-Id', c?.id ?? 'none'],
    ['Alert-Id', r.alert?.id ?? 'none'],
    ...capture,
    ['Signature', `${SIGNATURE}: Ed25519 over ${TAG_MANIFEST}, base64`],
    ['Signing-Key-Fingerprint', keyFingerprint],
    ...r.notes.map((n): [string, string] => ['Evidence-Note', n]),
  ];
}
