import { describe, expect, it } from 'vitest';
import type { ContractContext } from './contract';
import { SCHEME, iso, receive, winners } from './contract-fixtures';

const kase = (id: string, store: string | null = 'boots') => ({
  id,
  scheme: SCHEME,
  store,
  zone: 'north',
  subjectId: 'subj-1',
});

export function casesContract({ s }: ContractContext) {
  describe('CaseRepository', () => {
    it('opens a case with its first sighting and computes its figures from its candidates', async () => {
      await receive(s(), 'cand-1', { score: 0.7, cameraId: 'door', capturedAt: iso(-5000) });
      await receive(s(), 'cand-2', { score: 0.9, cameraId: 'aisle', capturedAt: iso(-1000) });
      const cases = s().cases;
      expect(await cases.unassigned()).toEqual(['cand-1', 'cand-2']);
      await cases.open(kase('case-1'), 'cand-1', iso(0));
      await cases.attach('case-1', 'cand-2');
      expect(await cases.unassigned()).toEqual([]);
      const k = await cases.get('case-1');
      expect(k).toMatchObject({
        id: 'case-1',
        status: 'open',
        sightings: 2,
        pending: 2,
        bestScore: 0.9,
        bestCandidateId: 'cand-2',
        cameras: ['aisle', 'door'],
        alertId: null,
      });
      expect(k?.firstSeenAt).toBe((await s().evidence.getCandidate('cand-1'))?.capturedAt);
      expect(await cases.candidateIds('case-1')).toEqual(['cand-2', 'cand-1']); // newest capture first
      await s().evidence.decide('cand-2', 'pending', 'rejected', 'op', iso(0), 'no', null);
      expect(await cases.pendingIds('case-1')).toEqual(['cand-1']);
      expect((await cases.get('case-1'))?.pending).toBe(1);
      expect((await s().evidence.getCandidate('cand-1'))?.caseId).toBe('case-1');
      expect(await cases.get('case-none')).toBeNull();
    });

    it('finds the newest case of a subject at a store, a store-less case included', async () => {
      await receive(s(), 'cand-1');
      await receive(s(), 'cand-2');
      await receive(s(), 'cand-3');
      const cases = s().cases;
      await cases.open(kase('case-old'), 'cand-1', iso(-60_000));
      await cases.open(kase('case-new'), 'cand-2', iso(0));
      await cases.open(kase('case-zone', null), 'cand-3', iso(0));
      expect((await cases.latest(SCHEME, 'subj-1', 'boots', ['open']))?.id).toBe('case-new');
      expect((await cases.latest(SCHEME, 'subj-1', null, ['open']))?.id).toBe('case-zone');
      expect(await cases.latest(SCHEME, 'subj-1', 'boots', ['confirmed'])).toBeNull();
      expect(await cases.latest(SCHEME, 'subj-2', 'boots', ['open'])).toBeNull();
      expect((await cases.list(SCHEME, 'open', 10)).map((k) => k.id)).toEqual(['case-old', 'case-new', 'case-zone']);
      expect((await cases.list(SCHEME, null, 1)).map((k) => k.id)).toEqual(['case-old']);
    });

    it('decides a case once: of two racing reviewers one wins, and the alert id is kept', async () => {
      await receive(s(), 'cand-1');
      const cases = s().cases;
      await cases.open(kase('case-1'), 'cand-1', iso(0));
      const race = [
        cases.decide('case-1', 'open', 'confirmed', 'op-1', iso(0), 'him', 'alert-1'),
        cases.decide('case-1', 'open', 'rejected', 'op-2', iso(0), 'not him', null),
      ];
      expect(await winners(race)).toBe(1);
      const decided = await cases.get('case-1');
      const confirmed = { status: 'confirmed', decidedBy: 'op-1', reason: 'him', alertId: 'alert-1' };
      const rejected = { status: 'rejected', decidedBy: 'op-2', reason: 'not him', alertId: null };
      expect(decided).toMatchObject(decided?.status === 'confirmed' ? confirmed : rejected);
      expect(await cases.decide('case-1', 'open', 'expired', null, iso(0), 'late', null)).toBe(false);
      // A later decision that names no alert keeps the one the case has.
      await cases.decide('case-1', decided!.status, decided!.status, 'op-3', iso(0), 'again', null);
      expect((await cases.get('case-1'))?.alertId).toBe(decided!.alertId);
    });
  });
}
