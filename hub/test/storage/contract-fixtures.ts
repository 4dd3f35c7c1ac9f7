import crypto from 'node:crypto';
import type { CandidateReport, IncidentInput, SubjectInput } from '@shopwatch/protocols';
import type { Storage } from '../../src/storage/open';

/**
 * Data the storage contract writes: a scheme with two stores, two users, one edge box. Written
 * through the interfaces only, so the same fixtures serve every engine.
 */
export const SCHEME = 'town';
export const OTHER_SCHEME = 'city';

export async function seedScheme(s: Storage) {
  for (const id of [SCHEME, OTHER_SCHEME]) {
    await s.repo.upsertScheme({
      id,
      name: `${id} BCRP`,
      settings: {
        escalationSeconds: 60,
        catchUpHours: 24,
        galleryDays: { known: 365, 'id-sought': 30 },
        liveViewMembers: false,
      },
      zones: [{ id: 'north', name: 'North' }],
      stores: [
        { id: 'boots', name: 'Boots', zone: 'north', plan: null },
        { id: 'tesco', name: 'Tesco', zone: 'north', plan: null },
      ],
    });
  }
  for (const [username, scheme] of [
    ['boots-staff', SCHEME],
    ['warden', SCHEME],
    ['city-staff', OTHER_SCHEME],
  ] as const) {
    await s.repo.upsertUser({
      username,
      passwordHash: 'x',
      role: 'member',
      scheme,
      store: 'boots',
      displayName: null,
    });
  }
}

export const iso = (msFromNow: number) => new Date(Date.now() + msFromNow).toISOString();
export const DAY = 86_400_000;

export const incidentInput = (over: Partial<IncidentInput> = {}): IncidentInput => ({
  type: 'theft',
  occurredAt: iso(-3_600_000),
  description: 'razor blades taken',
  statement: 'I saw him take them and leave without paying.',
  ...over,
});

export const subjectInput = (incidentIds: string[], over: Partial<SubjectInput> = {}): SubjectInput => ({
  alias: 'Razor Man',
  status: 'known',
  reason: 'repeat-offending',
  incidentIds,
  under18: false,
  vulnerable: false,
  ...over,
});

/** A gallery subject with one incident, as enrolment would leave it. */
export async function enrol(s: Storage, id: string, over: Partial<SubjectInput> & { expiresAt?: string } = {}) {
  const incident = await s.governance.addIncident(`inc-${id}`, SCHEME, 'boots', incidentInput(), 'coord', iso(0));
  const { expiresAt = iso(30 * DAY), ...input } = over;
  await s.governance.addSubject(id, SCHEME, subjectInput([incident.id], input), 'coord', iso(0), expiresAt);
  return incident;
}

const sha = (text: string) => crypto.createHash('sha256').update(text).digest('hex');

export function candidateReport(id: string, over: Partial<CandidateReport> = {}): CandidateReport {
  return {
    kind: 'candidate',
    candidateId: id,
    cameraId: 'door',
    subjectId: 'subj-1',
    templateVersion: 1,
    score: 0.8,
    distance: 0.4,
    frames: 3,
    firstSeenAt: iso(-2000),
    capturedAt: iso(-1000),
    clockOffsetMs: 12,
    box: { x: 10, y: 20, w: 30, h: 40 },
    crop: {
      file: 'crop.jpg',
      sha256: sha(`${id}crop`),
      bytes: 1000,
      type: 'image/jpeg',
      box: { x: 0, y: 0, w: 30, h: 40 },
    },
    frame: { file: 'frame.jpg', sha256: sha(`${id}frame`), bytes: 5000, type: 'image/jpeg', width: 768, height: 576 },
    ...over,
  };
}

/** Stores a candidate as the evidence service does on receipt. */
export async function receive(s: Storage, id: string, over: Partial<CandidateReport> = {}, receivedAt = iso(0)) {
  const report = candidateReport(id, over);
  await s.evidence.addCandidate({
    report,
    scheme: SCHEME,
    deviceId: 'edge-boots',
    store: 'boots',
    zone: 'north',
    receivedAt,
  });
  return report;
}

/** Settles every promise and says how many resolved to true: for "of two racing, one wins". */
export async function winners(races: Promise<boolean>[]) {
  return (await Promise.all(races)).filter(Boolean).length;
}
