import { describe, expect, it } from 'vitest';
import type { ContractContext } from './contract';
import { DAY, OTHER_SCHEME, SCHEME, enrol, incidentInput, iso, receive, subjectInput } from './contract-fixtures';

const photo = (id: string, subjectId: string) => ({
  id,
  subjectId,
  sha256: 'a'.repeat(64),
  bytes: 1234,
  width: 340,
  height: 400,
  source: 'CCTV Boots 2026-11-02',
  face: { score: 0.9, box: { x: 1, y: 2, w: 3, h: 4 } },
  createdAt: iso(0),
  createdBy: 'coord',
});

const notice = (subjectId: string, over: { endsAt?: string; stores?: string[]; zones?: string[] } = {}) => ({
  subjectId,
  stores: over.stores ?? ['boots'],
  zones: over.zones ?? [],
  startsAt: iso(-DAY),
  endsAt: over.endsAt ?? iso(90 * DAY),
  decidedBy: 'J. Smith, scheme coordinator',
  appealRoute: 'write to the coordinator within 28 days',
});

export function governanceContract({ s }: ContractContext) {
  describe('GovernanceRepository', () => {
    it('stores an incident and gives it back field for field, newest first per store', async () => {
      const gov = s().governance;
      const a = await gov.addIncident('inc-a', SCHEME, 'boots', incidentInput({ valuePence: 1299 }), 'staff', iso(0));
      expect(a).toMatchObject({ id: 'inc-a', scheme: SCHEME, store: 'boots', valuePence: 1299, reporter: 'staff' });
      expect(a.evidenceIds).toEqual([]);
      expect(await gov.incident('inc-a')).toEqual(a);
      const later = incidentInput({ occurredAt: iso(-60_000), evidenceIds: ['cand-1'] });
      await gov.addIncident('inc-b', SCHEME, 'tesco', later, 'staff', iso(0));
      await gov.addIncident('inc-c', SCHEME, 'boots', incidentInput({ occurredAt: iso(-30_000) }), 'staff', iso(0));
      expect((await gov.incidents(SCHEME, null, 10)).map((i) => i.id)).toEqual(['inc-c', 'inc-b', 'inc-a']);
      expect((await gov.incidents(SCHEME, 'boots', 10)).map((i) => i.id)).toEqual(['inc-c', 'inc-a']);
      expect((await gov.incidents(SCHEME, null, 1)).map((i) => i.id)).toEqual(['inc-c']);
      expect(await gov.incidents(OTHER_SCHEME, null, 10)).toEqual([]);
      expect((await gov.incident('inc-b'))?.evidenceIds).toEqual(['cand-1']);
      expect(await gov.incident('nope')).toBeNull();
    });

    it('enrols a subject with its incident links, or not at all', async () => {
      const gov = s().governance;
      const inc = await enrol(s(), 'subj-1');
      const subject = await gov.subject('subj-1');
      expect(subject).toMatchObject({ id: 'subj-1', scheme: SCHEME, alias: 'Razor Man', state: 'active' });
      expect(subject?.incidentIds).toEqual([inc.id]);
      expect((await gov.incidentsOf('subj-1')).map((i) => i.id)).toEqual([inc.id]);
      // A link to an incident that does not exist fails the whole enrolment: no half subject.
      const broken = subjectInput([inc.id, 'inc-missing'], { alias: 'Half' });
      await expect(gov.addSubject('subj-half', SCHEME, broken, 'coord', iso(0), iso(DAY))).rejects.toThrow();
      expect(await gov.subject('subj-half')).toBeNull();
      expect((await gov.subjects(SCHEME, null)).map((x) => x.id)).toEqual(['subj-1']);
    });

    it('lists subjects by alias and state, and answers alias and activity per scheme', async () => {
      const gov = s().governance;
      await enrol(s(), 'subj-z', { alias: 'Zed' });
      await enrol(s(), 'subj-a', { alias: 'Able' });
      await enrol(s(), 'subj-old', { alias: 'Old', expiresAt: iso(-1000) });
      expect((await gov.subjects(SCHEME, null)).map((x) => x.alias)).toEqual(['Able', 'Old', 'Zed']);
      await gov.endSubject('subj-z', 'removed', iso(0), 'no longer needed');
      expect((await gov.subjects(SCHEME, 'active')).map((x) => x.alias)).toEqual(['Able', 'Old']);
      expect((await gov.subjects(SCHEME, 'removed')).map((x) => x.alias)).toEqual(['Zed']);
      expect(await gov.alias(SCHEME, 'subj-a')).toBe('Able');
      expect(await gov.alias(OTHER_SCHEME, 'subj-a')).toBeNull();
      expect(await gov.isActive(SCHEME, 'subj-a')).toBe(true);
      expect(await gov.isActive(OTHER_SCHEME, 'subj-a')).toBe(false);
      expect(await gov.isActive(SCHEME, 'subj-z')).toBe(false); // removed
      expect(await gov.isActive(SCHEME, 'subj-old')).toBe(false); // past its expiry
      expect(await gov.dueForExpiry(iso(0))).toEqual([{ id: 'subj-old', scheme: SCHEME }]);
    });

    it('links a further incident once and only ever extends the entry', async () => {
      const gov = s().governance;
      await enrol(s(), 'subj-1', { expiresAt: iso(10 * DAY) });
      const second = await gov.addIncident('inc-2', SCHEME, 'boots', incidentInput(), 'coord', iso(0));
      const renewed = iso(40 * DAY);
      await gov.linkIncident('subj-1', second.id, iso(1000), renewed);
      await gov.linkIncident('subj-1', second.id, iso(2000), iso(5 * DAY)); // again, with an earlier expiry
      const subject = await gov.subject('subj-1');
      expect(subject?.incidentIds).toEqual(['inc-subj-1', 'inc-2']);
      expect(subject?.expiresAt).toBe(renewed);
    });

    it('ends a subject and marks its photos deleted together; a second end changes nothing', async () => {
      const gov = s().governance;
      await enrol(s(), 'subj-1');
      const first = photo('ph-1', 'subj-1');
      await gov.addPhoto(first);
      await gov.addPhoto({ ...photo('ph-2', 'subj-1'), createdAt: iso(1000) });
      expect((await gov.photos('subj-1')).map((p) => [p.id, p.deleted])).toEqual([
        ['ph-1', false],
        ['ph-2', false],
      ]);
      const { subjectId: _, ...info } = first;
      expect((await gov.photos('subj-1'))[0]).toEqual({ ...info, deleted: false });
      const at = iso(0);
      await gov.endSubject('subj-1', 'expired', at, 'lifetime ended');
      await gov.endSubject('subj-1', 'removed', iso(5000), 'second thoughts');
      const ended = await gov.subject('subj-1');
      expect(ended).toMatchObject({ state: 'expired', endedAt: at, endedReason: 'lifetime ended' });
      expect(ended?.photos.every((p) => p.deleted)).toBe(true);
    });

    it('keeps purges newest first per scheme', async () => {
      const gov = s().governance;
      await gov.addPurge(SCHEME, 'subj-1', 3, 'expired', iso(0));
      await gov.addPurge(SCHEME, 'subj-2', 4, 'removed', iso(1000));
      await gov.addPurge(OTHER_SCHEME, 'subj-9', 1, 'removed', iso(0));
      expect(await gov.purges(SCHEME)).toEqual([
        { subjectId: 'subj-2', version: 4, reason: 'removed', at: expect.any(String) },
        { subjectId: 'subj-1', version: 3, reason: 'expired', at: expect.any(String) },
      ]);
    });

    it('issues exclusion notices, records appeals, and applies a decision with its change atomically', async () => {
      const gov = s().governance;
      await enrol(s(), 'subj-1');
      await enrol(s(), 'subj-2', { alias: 'Coat Man' });
      const x = await gov.addExclusion('excl-1', SCHEME, notice('subj-1'), 'coord', iso(0));
      expect(x).toMatchObject({ id: 'excl-1', status: 'active', stores: ['boots'], zones: [], events: [] });
      await gov.addExclusion('excl-2', SCHEME, notice('subj-2', { stores: [], zones: ['north'] }), 'coord', iso(0));
      expect((await gov.exclusions(SCHEME)).map((e) => e.id).sort()).toEqual(['excl-1', 'excl-2']);
      expect((await gov.exclusions(SCHEME, 'subj-2')).map((e) => e.id)).toEqual(['excl-2']);
      expect(await gov.exclusions(OTHER_SCHEME)).toEqual([]);

      const appeal = { at: iso(0), by: 'coord', kind: 'appeal' as const, text: 'says it was not him', outcome: null };
      await gov.addExclusionEvent('excl-1', appeal);
      const decision = { at: iso(1000), by: 'coord', kind: 'decision' as const, text: 'varied', outcome: 'varied' };
      const endsAt = iso(10 * DAY);
      await gov.decideExclusion('excl-1', decision, { endsAt, stores: ['tesco'] });
      const varied = await gov.exclusion('excl-1');
      expect(varied).toMatchObject({ status: 'active', endsAt, stores: ['tesco'], zones: [] });
      expect(varied?.events.map((e) => [e.kind, e.outcome])).toEqual([
        ['appeal', null],
        ['decision', 'varied'],
      ]);
      await gov.decideExclusion('excl-2', { ...decision, outcome: 'withdrawn' }, { status: 'withdrawn' });
      expect((await gov.exclusion('excl-2'))?.status).toBe('withdrawn');
      await gov.decideExclusion('excl-2', { ...decision, outcome: 'upheld' }, null);
      expect((await gov.exclusion('excl-2'))?.events.map((e) => e.outcome)).toEqual(['withdrawn', 'upheld']);
      // A decision about a notice that does not exist stores nothing.
      await expect(gov.decideExclusion('excl-none', decision, { status: 'withdrawn' })).rejects.toThrow();
      expect(await gov.exclusion('excl-none')).toBeNull();
    });

    it('shows a notice past its end as ended', async () => {
      const gov = s().governance;
      await enrol(s(), 'subj-1');
      await gov.addExclusion('excl-1', SCHEME, notice('subj-1', { endsAt: iso(-1000) }), 'coord', iso(0));
      expect((await gov.exclusion('excl-1'))?.status).toBe('ended');
    });

    it('gives the review statistics every candidate received since a time', async () => {
      await receive(s(), 'cand-old', {}, iso(-10 * DAY));
      await receive(s(), 'cand-new', { score: 0.91 });
      const rows = await s().governance.verdictRows(SCHEME, iso(-DAY));
      expect(rows).toEqual([
        expect.objectContaining({ device_id: 'edge-boots', camera_id: 'door', store: 'boots', score: 0.91 }),
      ]);
      expect(rows[0]).toMatchObject({ subject_id: 'subj-1', status: 'pending' });
    });
  });
}
