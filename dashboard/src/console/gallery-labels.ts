import type { EnrolmentReason, Subject, SubjectStatus } from '@shopwatch/protocols';

/** The scheme's written enrolment criteria (the hub refuses any other reason). */
export const REASONS: Record<EnrolmentReason, string> = {
  'repeat-offending': 'Repeat offending',
  'violence-or-threats': 'Violence or threats',
  'high-value-theft': 'High-value theft',
  'organised-retail-crime': 'Organised retail crime',
  'exclusion-breach': 'Breach of an exclusion notice',
};

export const STATUSES: Record<SubjectStatus, string> = { known: 'Known', 'id-sought': 'Identity sought' };

export const STATES: Record<Subject['state'], string> = { active: 'Active', expired: 'Expired', removed: 'Removed' };

export const daysLeft = (iso: string, now: number) => Math.max(0, Math.round((Date.parse(iso) - now) / 86_400_000));

export const livePhotos = (s: Subject) => s.photos.filter((p) => !p.deleted);

export const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
